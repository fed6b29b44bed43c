// VERTICAL_PORT_SCAN and HORIZONTAL_PORT_SCAN (spec detections §3.1-3.3): distinct ports per
// destination and distinct destinations per port, over not-established TCP/UDP flows of a profile
// in a time window, reported once per log10 bucket (10, 100, 1000, ...).
import type { ConnFlow } from '../../flows/types.js';
import type { DetectionContext, FlowContext } from '../detector.js';
import { dstIp, srcIp } from '../entities.js';
import { Budget, PortSet } from './budget.js';
import { ownString } from '../../util/own-string.js';
import type { WindowState } from '../window-state.js';
import { SmallMap, SmallSet } from '../../util/small-map.js';
import { isScanTarget, scanBucket, scanConfidence, scanConfidenceText, shouldReportScan } from './scan-math.js';

interface VerticalTarget {
  ports: PortSet;
  /** Packets sent by the profile to this destination (Σ spkts), as the original's vertical total. */
  spkts: number;
  firstSeen: number;
  bucket: number;
}

interface HorizontalPort {
  ips: SmallSet<string>;
  /** Packets both ways on this port (Σ spkts + dpkts), as the original's horizontal total. */
  pkts: number;
  firstSeen: number;
  bucket: number;
}

// Small collections: under a flood of spoofed sources most profiles see one destination and one port.
interface ProtoScans {
  vertical: SmallMap<string, VerticalTarget>;
  horizontal: SmallMap<number, HorizontalPort>;
}

interface WindowScans {
  tcp: ProtoScans | null;
  udp: ProtoScans | null;
  /** Budget units held by this window, returned when it closes. */
  units: number;
}

/** Units a new per-destination or per-port record costs (object + map slot). */
const RECORD_UNITS = 4;
/** Default ceiling of stored scan items (set members and records) across all open windows. */
export const DEFAULT_SCAN_BUDGET = 2_000_000;

export class PortScans {
  private readonly windows: WindowState<WindowScans>;

  constructor(private readonly ctx: DetectionContext, readonly budget = new Budget(DEFAULT_SCAN_BUDGET)) {
    this.windows = ctx.perWindow((w) => this.budget.give(w.units));
  }

  /** A conn-like TCP or UDP flow. */
  observe(f: ConnFlow, fc: FlowContext): void {
    if (fc.interpretedState !== 'Not Established') return;
    const proto = f.proto;
    if (proto !== 'tcp' && proto !== 'udp') return;
    if (!isScanTarget(f.daddr)) return;
    const w = this.windows.obtain(fc.ip, fc.tw, () => ({ tcp: null, udp: null, units: 0 }));
    let p = w[proto];
    if (!p) { p = { vertical: new SmallMap(), horizontal: new SmallMap() }; w[proto] = p; }
    this.vertical(f, fc, proto, p, w);
    // Zeek flips flows whose originator it guessed wrong ('^' in the history); those are not scans by the source.
    if (!f.history.includes('^') && isScanTarget(fc.ip)) this.horizontal(f, fc, proto, p, w);
  }

  private vertical(f: ConnFlow, fc: FlowContext, proto: 'tcp' | 'udp', p: ProtoScans, w: WindowScans): void {
    let t = p.vertical.get(f.daddr);
    if (!t) {
      if (!this.budget.take(RECORD_UNITS)) return;
      w.units += RECORD_UNITS;
      t = { ports: new PortSet(), spkts: 0, firstSeen: f.starttime, bucket: 0 };
      p.vertical.set(ownString(f.daddr), t);
    }
    t.spkts += f.spkts;
    if (f.starttime < t.firstSeen) t.firstSeen = f.starttime;
    const before = t.ports.size;
    w.units += t.ports.add(f.dport, this.budget);
    if (t.ports.size === before) return;
    const n = t.ports.size;
    if (!shouldReportScan(t.bucket, n)) return;
    t.bucket = scanBucket(n);
    this.ctx.scanMarks.mark(fc.ip, fc.tw);
    this.ctx.emit({
      evidence_type: 'VERTICAL_PORT_SCAN',
      description: `new vertical port scan to IP ${f.daddr} from ${fc.ip}. Total ${n} ${proto.toUpperCase()} ports were scanned. `
        + `Total packets sent to all ports: ${t.spkts}. Confidence: ${scanConfidenceText(t.spkts)}. by Slips`,
      attacker: srcIp(fc.ip), victim: dstIp(f.daddr),
      threat_level: 'high', confidence: scanConfidence(t.spkts),
      uid: [], timestamp: t.firstSeen, timewindow: fc.tw, proto,
    });
  }

  private horizontal(f: ConnFlow, fc: FlowContext, proto: 'tcp' | 'udp', p: ProtoScans, w: WindowScans): void {
    let h = p.horizontal.get(f.dport);
    if (!h) {
      if (!this.budget.take(RECORD_UNITS)) return;
      w.units += RECORD_UNITS;
      h = { ips: new SmallSet(), pkts: 0, firstSeen: f.starttime, bucket: 0 };
      p.horizontal.set(f.dport, h);
    }
    h.pkts += f.pkts;
    if (f.starttime < h.firstSeen) h.firstSeen = f.starttime;
    if (h.ips.has(f.daddr) || !this.budget.take()) return;
    w.units++;
    h.ips.add(ownString(f.daddr));
    const n = h.ips.size;
    if (!shouldReportScan(h.bucket, n)) return;
    h.bucket = scanBucket(n);
    this.ctx.scanMarks.mark(fc.ip, fc.tw);
    const service = this.ctx.ports.name(f.dport, proto) ?? '';
    this.ctx.emit({
      evidence_type: 'HORIZONTAL_PORT_SCAN',
      description: horizontalScanText(service, f.dport, proto, fc.ip, n, h.pkts),
      attacker: srcIp(fc.ip),
      threat_level: 'high', confidence: scanConfidence(h.pkts),
      uid: [], timestamp: h.firstSeen, timewindow: fc.tw, proto, dst_port: f.dport,
    });
  }

  get openWindows(): number { return this.windows.size; }
}

/** The original's horizontal-scan text; an unknown service leaves two spaces ("to port  80/tcp."). */
export function horizontalScanText(service: string, dport: number, proto: string, saddr: string, n: number, pkts: number): string {
  return `Horizontal port scan to port ${service} ${dport}/${proto}. From ${saddr} to ${n} unique destination IPs. `
    + `Total packets sent: ${pkts}. Confidence: ${scanConfidenceText(pkts)}. by Slips`;
}
