// Chunked line reading: one await per chunk (never per line), so the per-record
// path above it stays synchronous. Plain and gzip files, constant memory.
import { open, type FileHandle } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

const CHUNK = 1 << 20;

export class LineSource {
  /** Lines of the current chunk; `pos` is the next one to hand out. */
  private lines: string[] = [];
  private pos = 0;
  private carry = '';
  private done = false;
  private readonly decoder = new StringDecoder('utf8');
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

  /** Reads the next chunk. Returns false when the source is exhausted and no lines remain. */
  async fill(): Promise<boolean> {
    if (this.pos < this.lines.length) return true;
    if (this.done) return false;
    if (!this.fh && !this.iter) await this.openSource();
    let text = '';
    let eof = false;
    try {
      if (this.fh) {
        const { bytesRead } = await this.fh.read(this.buf, 0, CHUNK, null);
        if (bytesRead === 0) eof = true; else text = this.decoder.write(this.buf.subarray(0, bytesRead));
      } else {
        const r = await this.iter!.next();
        if (r.done) eof = true; else text = this.decoder.write(r.value);
      }
    } catch (e) {
      this.readError = (e as Error).message;
      eof = true;
    }
    if (eof) {
      text = this.carry + this.decoder.end();
      this.carry = '';
      this.done = true;
      await this.close();
      this.lines = text.length ? text.split('\n') : [];
      if (this.lines.length && this.lines[this.lines.length - 1] === '') this.lines.pop();
    } else {
      text = this.carry + text;
      const cut = text.lastIndexOf('\n');
      if (cut < 0) { this.carry = text; this.lines = []; }
      else { this.carry = text.slice(cut + 1); this.lines = text.slice(0, cut).split('\n'); }
    }
    this.pos = 0;
    for (let i = 0; i < this.lines.length; i++) {
      const l = this.lines[i]!;
      if (l.endsWith('\r')) this.lines[i] = l.slice(0, -1);
    }
    return this.lines.length > 0 || !this.done ? true : false;
  }

  async close(): Promise<void> {
    if (this.fh) { const fh = this.fh; this.fh = null; await fh.close(); }
    if (this.iter) { const it = this.iter; this.iter = null; await it.return?.(); }
  }
}
