// The default, in-process store.
import type { ProfileState, ProfileStore, TimewindowState } from './store.js';
import { WindowMap } from '../util/window-map.js';
import { ownString } from '../util/own-string.js';

export class MemoryStore implements ProfileStore {
  private readonly profilesByIp = new Map<string, ProfileState>();
  /** Open windows by profile and number (no "ip|n" string built per flow). */
  private readonly windows = new WindowMap<TimewindowState>();
  private readonly openPerNumber = new Map<number, number>();

  profile(ip: string): ProfileState | undefined { return this.profilesByIp.get(ip); }

  ensureProfile(ip: string, ts: number): [ProfileState, boolean] {
    let p = this.profilesByIp.get(ip);
    if (p) return [p, false];
    // The profile's own copy of its address: every structure keyed by the profile shares it.
    ip = ownString(ip);
    p = { ip, firstSeen: ts, lastSeen: ts, flows: 0, threatLevel: 'info', maxThreatLevel: 'info', confidence: 0.05,
      mac: '', hostname: '', info: {} };
    this.profilesByIp.set(ip, p);
    return [p, true];
  }

  profiles(): Iterable<ProfileState> { return this.profilesByIp.values(); }
  get profileCount(): number { return this.profilesByIp.size; }

  timewindow(ip: string, n: number): TimewindowState | undefined { return this.windows.get(ip, n); }

  ensureTimewindow(ip: string, n: number, start: number, end: number): TimewindowState {
    let t = this.windows.get(ip, n);
    if (!t) {
      t = { ip, number: n, start, end, flows: 0, lastModified: start, evidenceCount: 0, pending: [], accumulated: 0, alerts: 0 };
      this.windows.set(ip, n, t);
      this.openPerNumber.set(n, (this.openPerNumber.get(n) ?? 0) + 1);
    }
    return t;
  }

  openTimewindows(): Iterable<TimewindowState> { return this.windows.values(); }
  get openTimewindowCount(): number { return this.windows.size; }

  openTimewindowCountOf(n: number): number { return this.openPerNumber.get(n) ?? 0; }

  closeTimewindow(ip: string, n: number): TimewindowState | undefined {
    const t = this.windows.take(ip, n);
    if (t) {
      const left = this.openPerNumber.get(n)! - 1;
      if (left > 0) this.openPerNumber.set(n, left); else this.openPerNumber.delete(n);
    }
    return t;
  }

  dropProfile(ip: string): boolean {
    if (this.windows.hasProfile(ip)) return false;
    return this.profilesByIp.delete(ip);
  }
}
