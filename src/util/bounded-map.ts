// A Map that holds at most `limit` keys and forgets the oldest (by first insertion) to make room.
//
// Why not `map.delete(map.keys().next().value)`: V8's Map leaves a hole for every deleted entry
// until its next rehash, and a new iterator walks over all holes at the front. Evicting from the
// front of a full 200,000-entry Map that way costs about 100 µs per eviction. Here the insertion
// order is kept in a separate queue, so an eviction costs one Map.delete.

export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>();
  /** Keys in insertion order from `head` on; may hold keys deleted since (skipped on eviction). */
  private queue: K[] = [];
  private head = 0;

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`BoundedMap limit must be at least 1, got ${limit}`);
  }

  get size(): number { return this.map.size; }
  get(key: K): V | undefined { return this.map.get(key); }
  has(key: K): boolean { return this.map.has(key); }

  /** Sets a value; a new key makes room by forgetting the oldest one when the map is full. */
  set(key: K, value: V): this {
    if (!this.map.has(key)) {
      while (this.map.size >= this.limit) this.evictOldest();
      this.queue.push(key);
      // Keys deleted by callers pile up in the queue when the map never fills: rebuild it from the
      // map, whose iteration order is the insertion order of the keys it holds.
      if (this.queue.length - this.head > 2 * this.limit + 1024) { this.queue = [...this.map.keys()]; this.head = 0; }
    }
    this.map.set(key, value);
    return this;
  }

  /**
   * Removes a key. (Its place in the insertion queue stays until it is reached; a key deleted and
   * written again can therefore be forgotten as early as its first insertion would have been.)
   */
  delete(key: K): boolean { return this.map.delete(key); }

  clear(): void { this.map.clear(); this.queue = []; this.head = 0; }

  keys(): IterableIterator<K> { return this.map.keys(); }
  values(): IterableIterator<V> { return this.map.values(); }
  entries(): IterableIterator<[K, V]> { return this.map.entries(); }
  [Symbol.iterator](): IterableIterator<[K, V]> { return this.map.entries(); }

  private evictOldest(): void {
    while (this.head < this.queue.length) {
      const key = this.queue[this.head++]!;
      // Drop the consumed front of the queue now and then (amortised O(1)).
      if (this.head >= 4096 && this.head * 2 >= this.queue.length) { this.queue = this.queue.slice(this.head); this.head = 0; }
      if (this.map.delete(key)) return;
    }
  }
}

/** A bounded FIFO set (remembers the last `limit` keys). */
export class BoundedSet<K> {
  private readonly m: BoundedMap<K, true>;
  constructor(limit: number) { this.m = new BoundedMap<K, true>(limit); }
  has(k: K): boolean { return this.m.has(k); }
  add(k: K): void { this.m.set(k, true); }
}

