// "Established connection to port 443 (80) that is not TLS (HTTP)": a connection is reported only
// when no connection between the same two hosts was recognised as that protocol within five
// minutes before or after it (spec detections §2.3.7, §6.10). The wait is in traffic time: the
// decision is taken when the traffic clock passes the flow's time plus five minutes, or at the end.
import type { ConnFlow } from '../../flows/types.js';
import { Scheduler } from '../../util/scheduler.js';
import { ownString } from '../../util/own-string.js';

const WINDOW = 300;
const MAX_PAIRS = 200_000;
const MAX_TIMES_PER_PAIR = 64;
const MAX_PENDING = 100_000;

export class PortProtocolCorrelation {
  /** saddr -> daddr -> start times of connections recognised as the protocol (ascending, bounded). */
  private readonly recognised = new Map<string, Map<string, number[]>>();
  /** Pairs in `recognised`. */
  private pairs = 0;
  private readonly decideFlow = (f: ConnFlow): void => this.decide(f);
  private readonly pending = new Scheduler<ConnFlow>();
  private clock = -Infinity;
  private nextPrune = -Infinity;

  constructor(readonly port: number, private readonly isProtocol: (appproto: string) => boolean,
    private readonly report: (f: ConnFlow) => void) {}

  /** Advances the traffic clock; decides the connections whose five minutes have passed. */
  tick(ts: number): void {
    if (ts <= this.clock) return;
    this.clock = ts;
    this.pending.runDue(ts - WINDOW, this.decideFlow);
    if (ts >= this.nextPrune) { this.prune(); this.nextPrune = ts + WINDOW; }
  }

  /** A record of the protocol (a recognised conn flow, an ssl.log or http.log record) between two hosts. */
  sawProtocol(saddr: string, daddr: string, ts: number): void {
    let byDst = this.recognised.get(saddr);
    let times = byDst?.get(daddr);
    if (!times) {
      if (this.pairs >= MAX_PAIRS) { this.prune(); byDst = this.recognised.get(saddr); }
      if (this.pairs >= MAX_PAIRS) return;
      times = [];
      if (!byDst) { byDst = new Map(); this.recognised.set(ownString(saddr), byDst); }
      byDst.set(ownString(daddr), times);
      this.pairs++;
    }
    if (times.length >= MAX_TIMES_PER_PAIR) times.shift();
    times.push(ts);
  }

  /** A conn flow to the port; `established` is the interpreted state. */
  onConn(f: ConnFlow, established: boolean): void {
    if (f.proto !== 'tcp' || f.dport !== this.port || !established || f.sbytes + f.dbytes === 0) return;
    if (this.isProtocol(f.appproto)) { this.sawProtocol(f.saddr, f.daddr, f.starttime); return; }
    if (this.pending.size >= MAX_PENDING) this.pending.runOldest(this.decideFlow);
    this.pending.push(f.starttime, f);
  }

  private decide(f: ConnFlow): void {
    const times = this.recognised.get(f.saddr)?.get(f.daddr);
    if (times) for (const t of times) if (t >= f.starttime - WINDOW && t <= f.starttime + WINDOW) return;
    this.report(f);
  }

  private prune(): void {
    const oldest = this.clock - 3 * WINDOW;
    for (const [saddr, byDst] of this.recognised) {
      for (const [daddr, times] of byDst) {
        if (times[times.length - 1]! < oldest) { byDst.delete(daddr); this.pairs--; }
      }
      if (byDst.size === 0) this.recognised.delete(saddr);
    }
  }

  /** End of input: every waiting connection is decided with what was seen. */
  finish(): void { this.pending.runAll(this.decideFlow); }
}
