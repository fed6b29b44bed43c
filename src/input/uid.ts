// Zeek-like flow ids for inputs that have none (Argus, nfdump): deterministic, so the same
// input gives the same flows.sqlite on every run (the original draws them at random).
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export class UidSequence {
  private n = 0;
  constructor(private readonly prefix = 'C', private readonly seed = 0x9e3779b9) {}

  next(): string {
    // splitmix32-style mixing of a counter: distinct counters give distinct, random-looking ids.
    let a = (this.seed + Math.imul(++this.n, 0x9e3779b9)) >>> 0;
    let b = (a ^ 0x85ebca6b) >>> 0;
    let out = this.prefix;
    for (let i = 0; i < 17; i++) {
      a = Math.imul(a ^ (a >>> 16), 0x21f0aaad) >>> 0;
      a = Math.imul(a ^ (a >>> 15), 0x735a2d97) >>> 0;
      a = (a ^ (a >>> 15) ^ b) >>> 0;
      b = (b + 0x6d2b79f5) >>> 0;
      out += ALPHABET[a % 62];
    }
    return out;
  }
}
