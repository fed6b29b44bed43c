// A one-hash bit filter in front of a large hash table. Most lookups on the per-flow path are for
// keys that are not in the table (addresses and domains that no feed lists); the filter answers
// those from a bit array of at most 1 MiB, which stays in the CPU cache far better than the table
// (8 MiB of keys for a million addresses). A set bit only means "maybe": the table is asked then.

const MIN_BITS = 1 << 12;
const MAX_BITS = 1 << 23;

export class HashFilter {
  private bits: Uint32Array;
  private mask: number;

  /** Sized for a table of `slots` slots (8 bits per slot, between 4 Kibit and 8 Mibit). */
  constructor(slots: number) {
    let n = MIN_BITS;
    while (n < slots * 8 && n < MAX_BITS) n *= 2;
    this.bits = new Uint32Array(n / 32);
    this.mask = n - 1;
  }

  /** Records a 32-bit hash. Uses its high bits: tables index with the low ones. */
  add(hash: number): void {
    const b = ((hash >>> 9) | (hash << 23)) & this.mask;
    this.bits[b >>> 5]! |= 1 << (b & 31);
  }

  /** False when no key with this hash was added. */
  mayHave(hash: number): boolean {
    const b = ((hash >>> 9) | (hash << 23)) & this.mask;
    return (this.bits[b >>> 5]! & (1 << (b & 31))) !== 0;
  }
}
