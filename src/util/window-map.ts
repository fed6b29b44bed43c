// State per profile and time window, keyed by (IP, window number) without building an "ip|tw"
// string for every flow: detectors look their window up on each flow, and those joined keys were a
// large share of the garbage. The last window found is remembered, since consecutive lookups (the
// checks of one flow, or a burst of flows of one profile) usually ask for the same one. A profile
// rarely has more than two windows open, so its windows are a short chain under its address, not
// a Map of their own (a Map per profile cost about 200 bytes under a flood of spoofed sources).
import { ownString } from './own-string.js';

interface Slot<V> { tw: number; v: V; next: Slot<V> | null }

export class WindowMap<V> {
  private readonly byIp = new Map<string, Slot<V>>();
  private count = 0;
  private lastIp = '';
  private lastTw = -1;
  private last: V | undefined = undefined;

  get size(): number { return this.count; }

  get(ip: string, tw: number): V | undefined {
    if (this.last !== undefined && this.lastTw === tw && this.lastIp === ip) return this.last;
    for (let s: Slot<V> | null | undefined = this.byIp.get(ip); s; s = s.next) {
      if (s.tw === tw) { this.last = s.v; this.lastIp = ip; this.lastTw = tw; return s.v; }
    }
    return undefined;
  }

  set(ip: string, tw: number, v: V): void {
    const head = this.byIp.get(ip);
    let s: Slot<V> | null | undefined = head;
    while (s && s.tw !== tw) s = s.next;
    if (s) s.v = v;
    else {
      const slot: Slot<V> = { tw, v, next: head ?? null };
      // Own copies of stored addresses: a sliced one would pin the log line it came from.
      this.byIp.set(head ? ip : ownString(ip), slot);
      this.count++;
    }
    this.last = v; this.lastIp = ip; this.lastTw = tw;
  }

  /** Whether the profile has any window stored. */
  hasProfile(ip: string): boolean { return this.byIp.has(ip); }

  /** Every stored value, profile by profile. */
  *values(): IterableIterator<V> {
    for (const head of this.byIp.values()) for (let s: Slot<V> | null = head; s; s = s.next) yield s.v;
  }

  /** Removes and returns the window's state. */
  take(ip: string, tw: number): V | undefined {
    let prev: Slot<V> | null = null;
    for (let s = this.byIp.get(ip) ?? null; s; prev = s, s = s.next) {
      if (s.tw !== tw) continue;
      if (prev) prev.next = s.next;
      else if (s.next) this.byIp.set(ip, s.next);
      else this.byIp.delete(ip);
      this.count--;
      if (this.last === s.v) this.last = undefined;
      return s.v;
    }
    return undefined;
  }
}
