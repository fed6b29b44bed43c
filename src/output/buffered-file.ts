// A synchronous, buffered append-only text file: cheap on the hot path, flushed on demand and at close.
// Text is encoded straight into one reusable byte buffer (no array of pieces to join, no string
// the size of the buffer), which is written out with one system call when full.
import { openSync, writeSync, closeSync, fsyncSync } from 'node:fs';

export class BufferedFile {
  private fd: number | null;
  private readonly buf: Buffer;
  private used = 0;
  /** A file written out whenever this one is (so that two files stay at the same point). */
  private partner: BufferedFile | null = null;
  /** Of two linked files, the first is always written out first. */
  private first = true;
  constructor(readonly path: string, size = 1 << 20) {
    this.fd = openSync(path, 'w');
    this.buf = Buffer.allocUnsafe(size);
  }
  write(text: string): void {
    if (this.fd === null) return;
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.used + text.length * 3 > this.buf.length) {
      this.flush();
      if (text.length * 3 > this.buf.length) { writeAll(this.fd, Buffer.from(text, 'utf8')); return; }
    }
    this.used += this.buf.write(text, this.used, 'utf8');
  }
  /**
   * Links two files: whenever either is written out, both are, this one first (so that after a
   * kill between the two writes, the other holds a prefix of what this one holds).
   */
  flushTogetherWith(other: BufferedFile): void { this.partner = other; other.partner = this; other.first = false; }
  flush(): void {
    if (!this.first) this.partner?.writeOut();
    this.writeOut();
    if (this.first) this.partner?.writeOut();
  }
  private writeOut(): void {
    if (this.fd === null || this.used === 0) return;
    writeAll(this.fd, this.buf.subarray(0, this.used));
    this.used = 0;
  }
  close(): void {
    if (this.fd === null) return;
    this.flush();
    try { fsyncSync(this.fd); } catch { /* not all file systems support fsync */ }
    closeSync(this.fd);
    this.fd = null;
  }
}

/** writeSync may write less than asked (e.g. on a full pipe); loop until everything is out. */
function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}
