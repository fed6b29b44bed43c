// Chunked line reading: one await per chunk (never per line), so the per-record path above it
// stays synchronous. Plain and gzip files and streams, constant memory. The same splitter serves
// the growing-folder reader, so both have the same line-length limit.
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { TolerantGunzip } from './gunzip.js';

const CHUNK = 1 << 20;
/** A line longer than this (e.g. a binary file) is skipped whole and reported once. */
export const MAX_LINE = 16 << 20;

/** Where a line source reports a problem: the 1-based line, what is wrong, and whether a record was lost. */
export type LineProblem = (line: number, message: string, lostRecord: boolean) => void;

/**
 * Bytes to lines. Each line is decoded on its own (a newline byte never splits a UTF-8
 * character), so a stored field never keeps a whole chunk alive. A line over MAX_LINE is
 * dropped as it streams past and counted as one (empty) line, so numbering stays right.
 */
export class LineSplitter {
  /** Lines produced so far (including dropped over-long ones). */
  produced = 0;
  private carry: Buffer | null = null;
  /** Inside an over-long line: bytes are dropped until its newline. */
  private skipping = false;
  private skippedBytes = 0;

  constructor(private readonly problem: LineProblem) {}

  /** Appends the complete lines of `chunk` (after what was carried over) to `out`. */
  push(chunk: Buffer, out: string[]): void {
    let data = chunk;
    let start = 0;
    if (this.skipping) {
      const nl = data.indexOf(10);
      if (nl < 0) { this.skippedBytes += data.length; return; }
      this.skippedBytes += nl;
      this.endSkip(out);
      start = nl + 1;
    } else if (this.carry) {
      data = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    for (let nl = data.indexOf(10, start); nl >= 0; nl = data.indexOf(10, start)) {
      this.line(data, start, nl, out);
      start = nl + 1;
    }
    if (start < data.length) {
      if (data.length - start > MAX_LINE) { this.skipping = true; this.skippedBytes = data.length - start; }
      // Copied: `data` may be a reused read buffer.
      else this.carry = Buffer.from(data.subarray(start));
    }
  }

  /** The unterminated rest becomes the last line (the writer is done, or the input ended). */
  end(out: string[]): void {
    if (this.skipping) this.endSkip(out);
    else if (this.carry && this.carry.length) this.line(this.carry, 0, this.carry.length, out);
    this.carry = null;
  }

  /** Drops the unterminated rest (an input cut in the middle of a line); true when there was one. */
  discardRest(): boolean {
    const had = this.skipping || Boolean(this.carry && this.carry.length);
    this.carry = null;
    this.skipping = false;
    return had;
  }

  /** Starts again at line 1 with nothing carried (a file truncated in place). */
  reset(): void { this.discardRest(); this.produced = 0; }

  private line(data: Buffer, start: number, end: number, out: string[]): void {
    if (end > start && data[end - 1] === 13) end--;
    this.produced++;
    out.push(data.toString('utf8', start, end));
  }

  private endSkip(out: string[]): void {
    this.skipping = false;
    this.produced++;
    out.push('');
    this.problem(this.produced, `line of ${this.skippedBytes} bytes is longer than the limit of ${MAX_LINE} bytes`, true);
    this.skippedBytes = 0;
  }
}

export class LineSource {
  /** Lines of the current chunk; `pos` is the next one to hand out. */
  private lines: string[] = [];
  private pos = 0;
  private readonly splitter: LineSplitter;
  private done = false;
  private fh: FileHandle | null = null;
  private iter: AsyncIterator<Buffer> | null = null;
  private gzip: TolerantGunzip | null = null;
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  /** 1-based number of the line last returned by next(). */
  lineNo = 0;
  /** Set when reading stopped early (truncated or damaged gzip, I/O error); the lines before it were delivered. */
  readError: string | null = null;

  /**
   * @param problem receives skipped over-long lines and gzip damage that lost nothing (trailing
   *   bytes, a bad CRC); damage that ends the data early is `readError`.
   */
  constructor(readonly path: string, private readonly stream?: Readable, private readonly problem: LineProblem = () => {}) {
    this.splitter = new LineSplitter(problem);
  }

  static isGzip(head: Buffer): boolean { return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b; }

  private async openSource(): Promise<void> {
    if (this.stream) { this.iter = this.stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>; return; }
    const fh = await open(this.path, 'r');
    const head = Buffer.alloc(2);
    await fh.read(head, 0, 2, 0);
    if (LineSource.isGzip(head)) {
      this.gzip = new TolerantGunzip(fh);
      this.iter = this.gzip[Symbol.asyncIterator]();
    }
    this.fh = fh;
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
    let chunk: Buffer | null = null;
    try {
      if (this.iter) {
        const r = await this.iter.next();
        if (!r.done) chunk = r.value;
      } else {
        const { bytesRead } = await this.fh!.read(this.buf, 0, CHUNK, null);
        if (bytesRead > 0) chunk = this.buf.subarray(0, bytesRead);
      }
    } catch (e) {
      this.readError = (e as Error).message;
    }
    this.lines = [];
    this.pos = 0;
    if (chunk === null) {
      this.done = true;
      await this.close();
      this.endOfData();
      return this.lines.length > 0;
    }
    this.splitter.push(chunk, this.lines);
    return true;
  }

  /** The data ended: gzip damage is reported once, and a line cut by it is not handed on. */
  private endOfData(): void {
    const early = this.gzip?.damage.find((d) => d.endsEarly);
    for (const d of this.gzip?.damage ?? []) if (!d.endsEarly) this.problem(this.splitter.produced + 1, d.message, false);
    if (early) {
      this.readError ??= this.splitter.discardRest() ? `${early.message}; its last, incomplete line is not analysed` : early.message;
    } else if (this.readError && this.splitter.discardRest()) {
      this.readError += '; the incomplete last line is not analysed';
    } else this.splitter.end(this.lines);
  }

  async close(): Promise<void> {
    if (this.iter) { const it = this.iter; this.iter = null; await it.return?.(); }
    if (this.fh) { const fh = this.fh; this.fh = null; await fh.close(); }
  }
}
