// A synchronous, buffered append-only text file: cheap on the hot path, flushed on demand and at close.
import { openSync, writeSync, closeSync, fsyncSync } from 'node:fs';

export class BufferedFile {
  private fd: number | null;
  private buf: string[] = [];
  private size = 0;
  constructor(readonly path: string, private readonly limit = 1 << 16) {
    this.fd = openSync(path, 'w');
  }
  write(text: string): void {
    if (this.fd === null) return;
    this.buf.push(text);
    this.size += text.length;
    if (this.size >= this.limit) this.flush();
  }
  flush(): void {
    if (this.fd === null || this.buf.length === 0) return;
    writeSync(this.fd, this.buf.join(''));
    this.buf = [];
    this.size = 0;
  }
  close(): void {
    if (this.fd === null) return;
    this.flush();
    try { fsyncSync(this.fd); } catch { /* not all file systems support fsync */ }
    closeSync(this.fd);
    this.fd = null;
  }
}
