// Deterministic UUIDv4-shaped ids: the same input gives the same evidence and alert ids on every run.
// The seed is hashed once; each id then mixes the seed with a counter in four 32-bit lanes
// (murmur3's finaliser, a bijection on 32 bits). The first lane alone is a bijection of the counter,
// so ids are unique for 2^32 ids per run; a SHA-1 per id cost several microseconds on the
// evidence path.
import { createHash } from 'node:crypto';

function fmix32(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const hex8 = (x: number): string => (x >>> 0).toString(16).padStart(8, '0');

export class IdGenerator {
  private counter = 0;
  private readonly lanes: Uint32Array;
  constructor(seed: string) {
    const d = createHash('sha1').update(seed).digest();
    this.lanes = new Uint32Array([d.readUInt32BE(0), d.readUInt32BE(4), d.readUInt32BE(8), d.readUInt32BE(12)]);
  }
  next(): string {
    const c = this.counter++;
    const l = this.lanes;
    const a = fmix32((l[0]! + c) >>> 0);
    const b = fmix32((l[1]! ^ Math.imul(c, 0x9e3779b1)) >>> 0);
    const x = fmix32((l[2]! + Math.imul(c, 0x7feb352d)) >>> 0);
    const y = fmix32((l[3]! ^ Math.imul(c, 0x846ca68b)) >>> 0);
    // Version 4 (bits 48-51) and variant 10 (bits 64-65), as in a random UUID.
    const b4 = ((b & 0xffff0fff) | 0x00004000) >>> 0;
    const x4 = ((x & 0x3fffffff) | 0x80000000) >>> 0;
    const hb = hex8(b4), hx = hex8(x4);
    return `${hex8(a)}-${hb.slice(0, 4)}-${hb.slice(4)}-${hx.slice(0, 4)}-${hx.slice(4)}${hex8(y)}`;
  }
}
