// The detector toolkit's per-window state: what a detector keeps per profile and time window is
// freed by the pipeline when that window closes, after every detector's onTimewindowClosed has
// run (so per-window evidence can still read it there). No "ip|tw" keys, no hand-written cleanup.
import { WindowMap } from '../util/window-map.js';

/** State per profile and window, released automatically when the window closes. */
export class WindowState<V> extends WindowMap<V> {
  /** @param onRelease gives back what the value held (a budget, a count) when it is freed */
  constructor(private readonly onRelease?: (value: V, ip: string, tw: number) => void) { super(); }

  /** The window's value, created with `make` when it has none. */
  obtain(ip: string, tw: number, make: () => V): V {
    let v = this.get(ip, tw);
    if (v === undefined) { v = make(); this.set(ip, tw, v); }
    return v;
  }

  /** Called by the pipeline when the window closes. */
  release(ip: string, tw: number): void {
    const v = this.take(ip, tw);
    if (v !== undefined) this.onRelease?.(v, ip, tw);
  }
}

/** What OncePerWindow answers for a new key once a window remembers `limit` keys. */
export type WhenFull = 'report' | 'skip';

/** Reporting something once per profile and window (e.g. each indicator, each certificate problem). */
export class OncePerWindow {
  /**
   * @param limit keys remembered per window (bounded memory)
   * @param whenFull beyond the limit, new keys are reported every time ('report') or not at all ('skip')
   */
  constructor(private readonly seen: WindowState<Set<string>>, private readonly limit: number, private readonly whenFull: WhenFull) {}

  /** True the first time `key` is asked for the profile's window, false afterwards. */
  first(ip: string, tw: number, key: string): boolean {
    const s = this.seen.obtain(ip, tw, () => new Set());
    if (s.has(key)) return false;
    if (s.size >= this.limit) return this.whenFull === 'report';
    s.add(key);
    return true;
  }
}

/** Every WindowState of a run, so that the pipeline can release a closing window in all of them. */
export class WindowStates {
  private readonly all: WindowState<unknown>[] = [];

  create<V>(onRelease?: (value: V, ip: string, tw: number) => void): WindowState<V> {
    const s = new WindowState<V>(onRelease);
    this.all.push(s as WindowState<unknown>);
    return s;
  }

  once(limit: number, whenFull: WhenFull): OncePerWindow { return new OncePerWindow(this.create<Set<string>>(), limit, whenFull); }

  release(ip: string, tw: number): void { for (const s of this.all) s.release(ip, tw); }
}
