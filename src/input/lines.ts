// Chunked line reading: one await per chunk (never per line), so the per-record
// path above it stays synchronous. Plain and gzip files, constant memory.
import { open, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

const CHUNK = 1 << 20;
/** A "line" longer than this (e.g. a binary file) is cut and handed on, to be reported as malformed. */
const MAX_LINE = 16 << 20;

export class LineSource {
  /** Lines of the current chunk; `pos` is the next one to hand out. */
  private lines: string[] = [];
  private pos = 0;
  /** Bytes of an unfinished last line, prepended to the next chunk. */
  private carry: Buffer | null = null;
  private done = false;
  private fh: FileHandle | null = null;
  private iter: AsyncIterator<Buffer> | null = null;
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  /** 1-based number of the line last returned by next(). */
  lineNo = 0;
  /** Set when reading stopped early (truncated gzip, I/O error); the lines before it were delivered. */
  readError: string | null = null;

  constructor(readonly path: string, private readonly stream?: Readable) {}

  static isGzip(head: Buffer): boolean { return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b; }

  private async openSource(): Promise<void> {
    if (this.stream) { this.iter = this.stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>; return; }
    const fh = await open(this.path, 'r');
    const head = Buffer.alloc(2);
    await fh.read(head, 0, 2, 0);
    if (LineSource.isGzip(head)) {
      await fh.close();
      const s = createReadStream(this.path, { highWaterMark: CHUNK }).pipe(createGunzip({ chunkSize: CHUNK }));
      this.iter = s[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    } else this.fh = fh;
  }

  /** Next line without its newline, `undefined` when the buffer is empty (call fill()), or null at end. */
  next(): string | null | undefined {
    if (this.pos < this.lines.length) { this.lineNo++; return this.lines[this.pos++]!; }
    return this.done ? null : undefined;
  }

  /**
   * Reads the next chunk. Returns false when the source is exhausted and no lines remain.
   * Lines are decoded one by one from the bytes, so each is its own small string: a string
   * sliced from a large chunk would keep the whole chunk alive as long as any field of it is stored.
   */
  async fill(): Promise<boolean> {
    if (this.pos < this.lines.length) return true;
    if (this.done) return false;
    if (!this.fh && !this.iter) await this.openSource();
    let chunk: Buffer | null = null;
    try {
      if (this.fh) {
        const { bytesRead } = await this.fh.read(this.buf, 0, CHUNK, null);
        if (bytesRead > 0) chunk = this.buf.subarray(0, bytesRead);
      } else {
        const r = await this.iter!.next();
        if (!r.done) chunk = r.value;
      }
    } catch (e) {
      this.readError = (e as Error).message;
    }
    this.lines = [];
    this.pos = 0;
    if (chunk === null) {
      this.done = true;
      await this.close();
      if (this.carry && this.carry.length) this.pushLine(this.carry, 0, this.carry.length);
      this.carry = null;
      return this.lines.length > 0;
    }
    const data = this.carry && this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
      this.pushLine(data, start, nl);
      start = nl + 1;
    }
    // Copy the remainder: `data` may be the reused read buffer.
    this.carry = start < data.length ? Buffer.from(data.subarray(start)) : null;
    if (this.carry && this.carry.length > MAX_LINE) { this.pushLine(this.carry, 0, this.carry.length); this.carry = null; }
    return true;
  }

  private pushLine(data: Buffer, start: number, end: number): void {
    if (end > start && data[end - 1] === 13) end--;
    this.lines.push(data.toString('utf8', start, end));
  }

  async close(): Promise<void> {
    if (this.fh) { const fh = this.fh; this.fh = null; await fh.close(); }
    if (this.iter) { const it = this.iter; this.iter = null; await it.return?.(); }
  }
}
