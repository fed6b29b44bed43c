// A Map that holds its first entry inline. Most per-profile collections of a detector hold one
// entry (one destination, one port), and under a flood of spoofed sources there are millions of
// them: an empty V8 Map with its hash table costs about 200 bytes, this about 50 until it grows.

export class SmallMap<K, V> {
  private k0: K | undefined = undefined;
  private v0: V | undefined = undefined;
  private has0 = false;
  private map: Map<K, V> | null = null;

  get size(): number { return this.map ? this.map.size : this.has0 ? 1 : 0; }

  get(k: K): V | undefined {
    if (this.map) return this.map.get(k);
    return this.has0 && this.k0 === k ? this.v0 : undefined;
  }

  has(k: K): boolean { return this.map ? this.map.has(k) : this.has0 && this.k0 === k; }

  set(k: K, v: V): this {
    if (this.map) { this.map.set(k, v); return this; }
    if (!this.has0 || this.k0 === k) { this.k0 = k; this.v0 = v; this.has0 = true; return this; }
    this.map = new Map([[this.k0 as K, this.v0 as V], [k, v]]);
    this.k0 = undefined; this.v0 = undefined; this.has0 = false;
    return this;
  }

  delete(k: K): boolean {
    if (this.map) return this.map.delete(k);
    if (!this.has0 || this.k0 !== k) return false;
    this.k0 = undefined; this.v0 = undefined; this.has0 = false;
    return true;
  }

  *entries(): IterableIterator<[K, V]> {
    if (this.map) yield* this.map.entries();
    else if (this.has0) yield [this.k0 as K, this.v0 as V];
  }

  [Symbol.iterator](): IterableIterator<[K, V]> { return this.entries(); }

  *keys(): IterableIterator<K> { for (const [k] of this.entries()) yield k; }
  *values(): IterableIterator<V> { for (const [, v] of this.entries()) yield v; }
}

/** A Set that holds its first member inline (see SmallMap). */
export class SmallSet<K> {
  private k0: K | undefined = undefined;
  private has0 = false;
  private set: Set<K> | null = null;

  get size(): number { return this.set ? this.set.size : this.has0 ? 1 : 0; }

  has(k: K): boolean { return this.set ? this.set.has(k) : this.has0 && this.k0 === k; }

  add(k: K): this {
    if (this.set) this.set.add(k);
    else if (!this.has0) { this.k0 = k; this.has0 = true; }
    else if (this.k0 !== k) { this.set = new Set([this.k0 as K, k]); this.k0 = undefined; this.has0 = false; }
    return this;
  }

  *[Symbol.iterator](): IterableIterator<K> {
    if (this.set) yield* this.set;
    else if (this.has0) yield this.k0 as K;
  }
}
