/**
 * A min-heap of timers keyed by packet time. Cancelled timers stay in the heap until they
 * surface or until a compaction, which runs when dead entries outnumber live ones.
 */
export interface TimerEntry<T> {
  time: number;
  /** insertion order, to break ties deterministically */
  order: number;
  target: T;
  kind: number;
  cancelled: boolean;
}

export class TimerHeap<T> {
  private heap: TimerEntry<T>[] = [];
  private counter = 0;
  private dead = 0;

  get size(): number {
    return this.heap.length - this.dead;
  }

  /** total entries including cancelled ones (for memory tests) */
  get rawSize(): number {
    return this.heap.length;
  }

  add(time: number, target: T, kind: number): TimerEntry<T> {
    const e: TimerEntry<T> = { time, order: this.counter++, target, kind, cancelled: false };
    this.heap.push(e);
    this.up(this.heap.length - 1);
    return e;
  }

  cancel(e: TimerEntry<T>): void {
    if (e.cancelled) return;
    e.cancelled = true;
    this.dead++;
    if (this.dead > 1024 && this.dead * 2 > this.heap.length) this.compact();
  }

  /** Removes and returns the earliest live timer due at or before `now`. */
  popDue(now: number): TimerEntry<T> | null {
    for (;;) {
      const top = this.heap[0];
      if (!top) return null;
      if (top.cancelled) {
        this.pop();
        this.dead--;
        continue;
      }
      if (top.time > now) return null;
      this.pop();
      top.cancelled = true; // fired timers cannot be cancelled again
      return top;
    }
  }

  private compact(): void {
    this.heap = this.heap.filter((e) => !e.cancelled);
    this.dead = 0;
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private pop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
  }

  private less(a: TimerEntry<T>, b: TimerEntry<T>): boolean {
    return a.time < b.time || (a.time === b.time && a.order < b.order);
  }

  private up(i: number): void {
    const h = this.heap;
    const e = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(e, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const e = h[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.less(h[c + 1]!, h[c]!)) c++;
      if (!this.less(h[c]!, e)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = e;
  }
}
