// A bounded map keyed by a pair of strings (e.g. source and destination addresses).
import { ownString } from './own-string.js';
import { SmallMap } from './small-map.js';

/**
 * A bounded map keyed by a pair of strings without building a joined key per call (a template-string
 * key per flow was a large share of the garbage). It forgets the oldest generation of pairs: pairs go
 * to a current generation; when it holds half the limit it becomes the previous one and the older
 * one is dropped, O(1) per operation; each (a, b) pair counts as one entry. Keys are stored as own copies (see ownString): a joined key
 * never pinned the log line its parts were cut from, and the parts themselves must not either.
 */
export class BoundedPairMap<V> {
  // Inner maps hold their first pair inline: most sources contact one or a few addresses.
  private cur = new Map<string, SmallMap<string, V>>();
  private prev = new Map<string, SmallMap<string, V>>();
  private curSize = 0;
  private prevSize = 0;
  private readonly half: number;
  /** Traffic time the current generation started (for expiry by age). */
  private curSince = -Infinity;
  /** @param maxAge traffic seconds a generation lasts at most: pairs are then kept for 1 to 2 such spans. */
  constructor(limit: number, private readonly maxAge = Infinity) { this.half = Math.max(1, Math.floor(limit / 2)); }

  /** Advances traffic time: a generation older than maxAge becomes the previous one (the one before is dropped). */
  age(now: number): void {
    if (now - this.curSince < this.maxAge) return;
    if (this.curSince !== -Infinity) this.rotate();
    this.curSince = now;
  }

  private rotate(): void {
    this.prev = this.cur; this.prevSize = this.curSize;
    this.cur = new Map(); this.curSize = 0;
  }
  get(a: string, b: string): V | undefined {
    const v = this.cur.get(a)?.get(b);
    if (v !== undefined || this.prevSize === 0) return v;
    return this.prev.get(a)?.get(b);
  }
  set(a: string, b: string, v: V): void {
    if (this.prevSize !== 0) {
      const p = this.prev.get(a);
      if (p && p.delete(b)) { this.prevSize--; if (p.size === 0) this.prev.delete(a); }
    }
    let m = this.cur.get(a);
    if (!m) { m = new SmallMap(); this.cur.set(ownString(a), m); }
    if (m.has(b)) m.set(b, v);
    else { m.set(ownString(b), v); this.curSize++; }
    if (this.curSize >= this.half) this.rotate();
  }
  /** set(a, b, v) unless the stored value is at least v (one lookup per level when it is newer). */
  raise(a: string, b: string, v: number & V): void {
    const m = this.cur.get(a);
    if (m !== undefined) {
      const old = m.get(b);
      if (old !== undefined) { if ((old as number) < v) m.set(b, v); return; }
    }
    if (((this.get(a, b) as number | undefined) ?? -Infinity) < v) this.set(a, b, v);
  }
  get size(): number { return this.curSize + this.prevSize; }
}

