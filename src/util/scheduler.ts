// Items due at a traffic time (re-checks that wait for later records), released as the clock advances.

/**
 * Items due at a traffic time, released in due order as the clock advances (items due at the same
 * time in the order they were pushed): a binary min-heap by (due, push order).
 */
export class Scheduler<T> {
  private readonly due: number[] = [];
  private readonly seq: number[] = [];
  private readonly items: T[] = [];
  private pushed = 0;
  get size(): number { return this.items.length; }

  push(at: number, item: T): void {
    this.due.push(at); this.seq.push(this.pushed++); this.items.push(item);
    let i = this.items.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Releases every item due at or before `now`. */
  runDue(now: number, fn: (item: T) => void): void {
    while (this.items.length !== 0 && this.due[0]! <= now) fn(this.pop());
  }

  /** Releases the earliest item regardless of time (used when a bound is reached). */
  runOldest(fn: (item: T) => void): void { if (this.items.length !== 0) fn(this.pop()); }

  /** Releases everything in due order (end of input). */
  runAll(fn: (item: T) => void): void { while (this.items.length !== 0) fn(this.pop()); }

  private less(i: number, j: number): boolean {
    const a = this.due[i]!, b = this.due[j]!;
    return a < b || (a === b && this.seq[i]! < this.seq[j]!);
  }

  /** Swaps two heap slots in place (destructuring swaps allocate on this hot path). */
  private swap(i: number, j: number): void {
    const d = this.due, s = this.seq, it = this.items;
    const td = d[i]!; d[i] = d[j]!; d[j] = td;
    const ts = s[i]!; s[i] = s[j]!; s[j] = ts;
    const ti = it[i]!; it[i] = it[j]!; it[j] = ti;
  }

  private pop(): T {
    const top = this.items[0]!;
    const d = this.due.pop()!, s = this.seq.pop()!, it = this.items.pop()!;
    const n = this.items.length;
    if (n) {
      this.due[0] = d; this.seq[0] = s; this.items[0] = it;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < n && this.less(l, m)) m = l;
        if (r < n && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(m, i);
        i = m;
      }
    }
    return top;
  }
}

