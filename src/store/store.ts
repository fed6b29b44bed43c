// Profile / time-window / evidence state. The engine talks only to this interface, so a shared
// backend (Redis) can be added without touching detectors.
import type { Evidence, ThreatLevel } from '../evidence/types.js';

export interface ProfileState {
  ip: string;
  firstSeen: number;
  lastSeen: number;
  flows: number;
  threatLevel: ThreatLevel;
  maxThreatLevel: ThreatLevel;
  confidence: number;
  mac: string;
  hostname: string;
  /** Facts gathered about the profile (user agents, software, IPv4/IPv6 twins, DHCP, ...). */
  info: Record<string, unknown>;
}

export interface TimewindowState {
  ip: string;
  number: number;
  start: number;
  end: number;
  flows: number;
  /** Traffic time of the last flow or evidence that touched this window. */
  lastModified: number;
  /** Evidence count (all) and evidence that can still join an alert (SRC attacker, not yet alerted). */
  evidenceCount: number;
  pending: Evidence[];
  accumulated: number;
  alerts: number;
}

export interface ProfileStore {
  profile(ip: string): ProfileState | undefined;
  /** Returns the profile, creating it at `ts` if new (the second value says whether it was created). */
  ensureProfile(ip: string, ts: number): [ProfileState, boolean];
  profiles(): Iterable<ProfileState>;
  readonly profileCount: number;

  timewindow(ip: string, n: number): TimewindowState | undefined;
  ensureTimewindow(ip: string, n: number, start: number, end: number): TimewindowState;
  /** Windows still held in memory. */
  openTimewindows(): Iterable<TimewindowState>;
  readonly openTimewindowCount: number;
  /** Open windows with number `n` (one per profile active in it). */
  openTimewindowCountOf(n: number): number;
  /** Releases a window's state; returns it for a last write-out. */
  closeTimewindow(ip: string, n: number): TimewindowState | undefined;
  /** Forgets a profile that has no open window (it was written out); false when it has one. */
  dropProfile(ip: string): boolean;
}
