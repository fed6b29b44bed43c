// ICMP_ADDRESS_SCAN, ICMP_TIMESTAMP_SCAN, ICMP_ADDRESS_MASK_SCAN (spec detections §3.4), computed
// from the ICMP flows themselves so that every input kind (Zeek, pcap, Argus, nfdump, Suricata)
// gets them, not only Zeek runs with Slips' icmp-scans.zeek script.
import type { ConnFlow } from '../../flows/types.js';
import type { EvidenceType } from '../../evidence/types.js';
import type { DetectionContext, FlowContext } from '../detector.js';
import type { WindowState } from '../window-state.js';
import { srcIp } from '../entities.js';
import { ipFacts } from '../../util/ip.js';
import { Budget } from './budget.js';
import { ownString } from '../../util/own-string.js';
import { icmpSweepConfidence } from './scan-math.js';

type SweepKind = 'address' | 'timestamp' | 'address mask';

const EVIDENCE: Record<SweepKind, EvidenceType> = {
  address: 'ICMP_ADDRESS_SCAN', timestamp: 'ICMP_TIMESTAMP_SCAN', 'address mask': 'ICMP_ADDRESS_MASK_SCAN',
};

/** First report at 5 distinct hosts, as the original; then each time the count doubles (10, 20, 40, ...). */
export const FIRST_SWEEP_REPORT = 5;

/** Argus writes the ICMP message as the flow state. */
const ARGUS_STATE_TYPES: Record<string, number> = { ECO: 8, ECR: 0, TST: 13, TSR: 14, MSK: 17, MSR: 18 };

/**
 * ICMP type of a flow. Zeek and the pcap engine put the type in the source port, as Argus does
 * (hex in the file, a number here); nfdump encodes type*256+code in the destination port.
 */
export function icmpTypeOf(f: ConnFlow): number | null {
  if (f.flow_source === 'nfdump' && f.sport === 0) return f.dport >>> 8;
  if (f.sport >= 0 && f.sport <= 255 && (f.sport !== 0 || f.flow_source !== 'argus')) return f.sport;
  const fromState = ARGUS_STATE_TYPES[f.state.split('_')[0] ?? ''];
  return fromState ?? null;
}

/** Which sweep an ICMP message belongs to, as Slips' Zeek script groups them. */
export function sweepKindOf(type: number, v6: boolean): SweepKind | null {
  if (v6) return type === 128 ? 'address' : null;
  switch (type) {
    case 8: return 'address';
    case 13: case 14: return 'timestamp';
    case 17: case 18: return 'address mask';
    default: return null;
  }
}

interface Sweep { hosts: Set<string>; nextReport: number }

export class IcmpSweeps {
  /** Per profile and window: kind -> destinations. */
  private readonly windows: WindowState<{ sweeps: Partial<Record<SweepKind, Sweep>>; units: number }>;

  constructor(private readonly ctx: DetectionContext, readonly budget = new Budget(1_000_000)) {
    this.windows = ctx.perWindow((w) => this.budget.give(w.units));
  }

  observe(f: ConnFlow, fc: FlowContext): void {
    if (!f.proto.includes('icmp')) return;
    if (fc.ip === '255.255.255.255') return;
    const type = icmpTypeOf(f);
    if (type === null) return;
    const kind = sweepKindOf(type, this.ctx.addresses.of(f.daddr).version === 6 || f.proto.includes('6'));
    if (!kind) return;
    const w = this.windows.obtain(fc.ip, fc.tw, () => ({ sweeps: {}, units: 0 }));
    let s = w.sweeps[kind];
    if (!s) { s = { hosts: new Set(), nextReport: FIRST_SWEEP_REPORT }; w.sweeps[kind] = s; }
    if (s.hosts.has(f.daddr) || !this.budget.take()) return;
    w.units++;
    s.hosts.add(ownString(f.daddr));
    const n = s.hosts.size;
    if (n < s.nextReport) return;
    s.nextReport = n * 2;
    this.ctx.emit({
      evidence_type: EVIDENCE[kind],
      description: `${fc.ip} performed ICMP ${kind} scan on ${n} hosts`,
      attacker: srcIp(fc.ip),
      threat_level: 'medium', confidence: icmpSweepConfidence(n),
      uid: [f.uid], timestamp: f.starttime, timewindow: fc.tw, proto: 'icmp',
    });
  }
}
