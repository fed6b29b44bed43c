// Recent connections by uid: ssh.log, ssl.log, http.log and weird.log records are matched to the
// conn record of their connection (bytes, ports, start). Filled by the profiler before detectors
// see a flow; bounded, the oldest uids are forgotten first.
import type { ConnFlow } from '../flows/types.js';
import { BoundedMap } from '../util/bounded-map.js';
import { ownString } from '../util/own-string.js';

/** What later records need from a connection. */
export interface ConnSummary {
  uid: string; saddr: string; daddr: string; sport: number; dport: number; proto: string;
  sbytes: number; dbytes: number; starttime: number;
}

const LIMIT = 200_000;

export class ConnectionIndex {
  private readonly byUid = new BoundedMap<string, ConnSummary>(LIMIT);

  get(uid: string): ConnSummary | undefined { return this.byUid.get(uid); }

  /** A conn-like flow with a uid; own copies, since a sliced string would keep its log line alive. */
  observe(f: ConnFlow): void {
    if (!f.uid) return;
    const s: ConnSummary = { uid: ownString(f.uid), saddr: ownString(f.saddr), daddr: ownString(f.daddr),
      sport: f.sport, dport: f.dport, proto: f.proto, sbytes: f.sbytes, dbytes: f.dbytes, starttime: f.starttime };
    this.byUid.set(s.uid, s);
  }
}
