// State per profile and time window, keyed by (IP, window number) without building an "ip|tw"
// string for every flow: detectors look their window up on each flow, and those joined keys were a
// large share of the garbage. The last window found is remembered, since consecutive lookups (the
// checks of one flow, or a burst of flows of one profile) usually ask for the same one.
import { ownString } from './own-string.js';

export class WindowMap<V> {
  private readonly byIp = new Map<string, Map<number, V>>();
  private count = 0;
  private lastIp = '';
  private lastTw = -1;
  private last: V | undefined = undefined;

  get size(): number { return this.count; }

  get(ip: string, tw: number): V | undefined {
    if (this.last !== undefined && this.lastTw === tw && this.lastIp === ip) return this.last;
    const v = this.byIp.get(ip)?.get(tw);
    if (v !== undefined) { this.last = v; this.lastIp = ip; this.lastTw = tw; }
    return v;
  }

  set(ip: string, tw: number, v: V): void {
    let m = this.byIp.get(ip);
    // Own copies of stored addresses: a sliced one would pin the log line it came from.
    if (!m) { m = new Map(); this.byIp.set(ownString(ip), m); }
    const n = m.size;
    m.set(tw, v);
    if (m.size !== n) this.count++;
    this.last = v; this.lastIp = ip; this.lastTw = tw;
  }

  /** Every stored value, profile by profile. */
  *values(): IterableIterator<V> {
    for (const m of this.byIp.values()) yield* m.values();
  }

  /** Removes and returns the window's state. */
  take(ip: string, tw: number): V | undefined {
    const m = this.byIp.get(ip);
    const v = m?.get(tw);
    if (!m || v === undefined) return undefined;
    m.delete(tw);
    this.count--;
    if (m.size === 0) this.byIp.delete(ip);
    if (this.last === v) this.last = undefined;
    return v;
  }
}
