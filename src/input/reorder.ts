// A bounded reorder buffer: flow exporters that log a flow when it ends (Suricata, nfdump,
// Argus) write records out of start-time order. Holding up to `capacity` records in a min-heap
// by start time and releasing the earliest when full restores the order of anything displaced
// by fewer than `capacity` records, with memory bounded by the capacity, not the input size.
import type { Flow } from '../flows/types.js';

interface Item { flow: Flow; seq: number }

export class ReorderBuffer {
  private readonly heap: Item[] = [];
  private seq = 0;
  private maxSeen = -Infinity;

  /**
   * @param capacity records held at most
   * @param horizon seconds of traffic time after which a held record is released even if the
   *   buffer is not full (keeps latency bounded for live streams); Infinity for files
   */
  constructor(private readonly sink: (flow: Flow) => void, readonly capacity: number, readonly horizon = Infinity) {}

  get size(): number { return this.heap.length; }

  push(flow: Flow): void {
    if (this.capacity <= 0) { this.sink(flow); return; }
    this.insert({ flow, seq: this.seq++ });
    if (flow.starttime > this.maxSeen) this.maxSeen = flow.starttime;
    while (this.heap.length > this.capacity) this.sink(this.popMin().flow);
    if (this.horizon !== Infinity) {
      const limit = this.maxSeen - this.horizon;
      while (this.heap.length && this.heap[0]!.flow.starttime < limit) this.sink(this.popMin().flow);
    }
  }

  /** Releases every held record in order (end of input). */
  flush(): void { while (this.heap.length) this.sink(this.popMin().flow); }

  private less(a: Item, b: Item): boolean {
    return a.flow.starttime < b.flow.starttime || (a.flow.starttime === b.flow.starttime && a.seq < b.seq);
  }

  private insert(it: Item): void {
    const h = this.heap;
    h.push(it);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private popMin(): Item {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
