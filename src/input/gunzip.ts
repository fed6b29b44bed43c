// Gzip decompression that keeps everything it can decode. Node's gunzip stream discards the
// output of its last write when the file ends in trailing garbage or a bad CRC, and can lose a
// whole small file that way; `gzip -dc` keeps all the data and only complains. Here the gzip
// framing (RFC 1952: header, deflate body, CRC32/ISIZE trailer, further members) is read by hand
// and only the deflate body goes to zlib, so damage is noticed where it is and reported once.
import type { FileHandle } from 'node:fs/promises';
import { createInflateRaw, constants, crc32, type InflateRaw } from 'node:zlib';

const READ_SIZE = 1 << 20;

/** Damage found in a gzip file; `endsEarly` when data after it could not be decoded. */
export interface GzipDamage { message: string; endsEarly: boolean }

/** Length of the gzip member header at the start of `b`: -1 when more bytes are needed, -2 when it is not one. */
function headerLength(b: Buffer): number {
  if (b.length < 10) return b.length >= 1 && b[0] !== 0x1f ? -2 : b.length >= 2 && b[1] !== 0x8b ? -2 : -1;
  if (b[0] !== 0x1f || b[1] !== 0x8b || b[2] !== 8) return -2;
  const flags = b[3]!;
  let p = 10;
  if (flags & 4) { if (b.length < p + 2) return -1; p += 2 + b.readUInt16LE(p); }
  for (const bit of [8, 16]) {
    if (flags & bit) { const z = b.indexOf(0, p); if (z < 0) return -1; p = z + 1; }
  }
  if (flags & 2) p += 2;
  return b.length < p ? -1 : p;
}

export class TolerantGunzip implements AsyncIterable<Buffer> {
  /** Damage found so far (at most one report per kind), read by the caller when the data ends. */
  readonly damage: GzipDamage[] = [];
  private inputOffset = 0;

  constructor(private readonly fh: FileHandle) {}

  private async readInput(): Promise<Buffer | null> {
    const buf = Buffer.allocUnsafe(READ_SIZE);
    const { bytesRead } = await this.fh.read(buf, 0, READ_SIZE, this.inputOffset);
    this.inputOffset += bytesRead;
    return bytesRead ? buf.subarray(0, bytesRead) : null;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    let pending: Buffer = Buffer.alloc(0);
    let member = 0;
    for (;;) {
      // Header of the next member (or the end of the file, or bytes that are not gzip).
      let len: number;
      for (;;) {
        len = headerLength(pending);
        if (len !== -1) break;
        const more = await this.readInput();
        if (!more) { len = pending.length ? -3 : 0; break; }
        pending = Buffer.concat([pending, more]);
      }
      if (len === 0) return;
      if (len < 0) {
        if (member === 0) this.damage.push({ message: 'not gzip data', endsEarly: true });
        else if (pending.some((x) => x !== 0) || len === -3) {
          // gzip -dc: "decompression OK, trailing garbage ignored".
          this.damage.push({ message: 'trailing bytes after the gzip data ignored; every record before them was read', endsEarly: false });
        }
        return;
      }
      member++;
      pending = pending.subarray(len);
      // The deflate body, chunk by chunk; zlib says how much input it used when the body ends.
      const inflate: InflateRaw = createInflateRaw({ finishFlush: constants.Z_SYNC_FLUSH, chunkSize: READ_SIZE });
      const out: Buffer[] = [];
      let ended = false, failed: Error | null = null;
      inflate.on('data', (c: Buffer) => out.push(c));
      inflate.on('end', () => { ended = true; });
      inflate.on('error', (e) => { failed = e; });
      let crc = 0, size = 0;
      // Input handed to zlib and not yet known to be used: what is left of it when the body ends
      // is the trailer (and what follows).
      const unconsumed: Buffer[] = [];
      let unconsumedStart = 0;
      const feed = (chunk: Buffer | null): Promise<void> => new Promise((res) => {
        const done = (): void => { inflate.off('error', done); inflate.off('end', done); res(); };
        inflate.once('error', done);
        if (chunk === null) { inflate.once('end', done); inflate.end(); return; }
        unconsumed.push(chunk);
        inflate.write(chunk, done);
      });
      const settle = (): Promise<void> => new Promise((res) => setImmediate(res));
      let input: Buffer | null = pending.length ? pending : await this.readInput();
      for (;;) {
        await feed(input);
        await settle();
        for (const c of out) { crc = crc32(c, crc); size = (size + c.length) >>> 0; yield c; }
        out.length = 0;
        // Drop the chunks zlib has used up entirely.
        while (unconsumed.length && unconsumedStart + unconsumed[0]!.length <= inflate.bytesWritten) unconsumedStart += unconsumed.shift()!.length;
        if (ended || failed || input === null) break;
        input = await this.readInput();
      }
      if (failed) {
        this.damage.push({ message: `damaged gzip data (${(failed as Error).message})`, endsEarly: true });
        return;
      }
      if (!ended) {
        this.damage.push({ message: 'truncated gzip data', endsEarly: true });
        return;
      }
      const rest = Buffer.concat(unconsumed);
      pending = Buffer.from(rest.subarray(inflate.bytesWritten - unconsumedStart));
      while (pending.length < 8) {
        const more = await this.readInput();
        if (!more) break;
        pending = Buffer.concat([pending, more]);
      }
      if (pending.length < 8) {
        // With Z_SYNC_FLUSH a cut deflate body also "ends" here: the file was truncated.
        this.damage.push({ message: 'truncated gzip data', endsEarly: true });
        return;
      }
      if (pending.readUInt32LE(0) !== (crc >>> 0) || pending.readUInt32LE(4) !== size) {
        this.damage.push({ message: 'gzip CRC or length check failed, the data may be damaged; every record was read', endsEarly: false });
      }
      pending = pending.subarray(8);
    }
  }
}
