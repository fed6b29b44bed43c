// State shared by the flow_alerts and http_analyzer detectors of one engine: conn flows by uid
// (ssh.log, ssl.log and weird.log records are matched to their connection), the SNI seen per
// server address, DoH servers, and a traffic-time scheduler for checks that wait.
import type { ConnFlow, Flow } from '../../flows/types.js';
import { isConnLike } from '../../flows/types.js';
import type { DetectionContext } from '../detector.js';
import { ownString } from '../../util/own-string.js';
import { BoundedMap } from '../../util/bounded-map.js';
import { SmallMap } from '../../util/small-map.js';

/** What later records need from a connection. */
export interface ConnSummary {
  uid: string; saddr: string; daddr: string; sport: number; dport: number; proto: string;
  sbytes: number; dbytes: number; starttime: number;
}

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

/** A bounded FIFO set (remembers the last `limit` keys). */
export class BoundedSet<K> {
  private readonly m: BoundedMap<K, true>;
  constructor(limit: number) { this.m = new BoundedMap<K, true>(limit); }
  has(k: K): boolean { return this.m.has(k); }
  add(k: K): void { this.m.set(k, true); }
}

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

const CONN_BY_UID_LIMIT = 200_000;
const DOH_LIMIT = 10_000;

export class FlowAlertsShared {
  readonly connByUid = new BoundedMap<string, ConnSummary>(CONN_BY_UID_LIMIT);
  readonly dohServers = new BoundedSet<string>(DOH_LIMIT);
  private last: Flow | null = null;

  /** Learns from a flow once, whichever detector sees it first. */
  observe(flow: Flow): void {
    if (flow === this.last) return;
    this.last = flow;
    if (isConnLike(flow) && flow.uid) { const s = summarise(flow); this.connByUid.set(s.uid, s); }
  }
}

// Own copies: a uid or address sliced from its log line would keep the whole line alive.
const summarise = (f: ConnFlow): ConnSummary => ({ uid: ownString(f.uid), saddr: ownString(f.saddr), daddr: ownString(f.daddr),
  sport: f.sport, dport: f.dport, proto: f.proto, sbytes: f.sbytes, dbytes: f.dbytes, starttime: f.starttime });

const perContext = new WeakMap<object, FlowAlertsShared>();

/** The shared state of the engine a detector belongs to (keyed by its detection context's store). */
export function sharedState(ctx: DetectionContext): FlowAlertsShared {
  let s = perContext.get(ctx.store);
  if (!s) { s = new FlowAlertsShared(); perContext.set(ctx.store, s); }
  return s;
}

/** Python's str() of a float for the MB figures in descriptions (104.857601, 1.0). */
export function pyFloat(x: number): string {
  if (Number.isInteger(x)) return `${x}.0`;
  return String(x);
}

/** Python's round(x, 2) printed as Python prints it. */
export const pyRound2 = (x: number): string => pyFloat(Math.round(x * 100) / 100);

/** Python's repr of a list of strings: ['a', 'b']. */
export const pyList = (xs: readonly string[]): string => `[${xs.map((x) => `'${x}'`).join(', ')}]`;
