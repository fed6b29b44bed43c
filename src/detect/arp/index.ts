// The arp module (spec detections §5): ARP scans, requests for addresses outside the local
// network, unsolicited replies, and MAC/IP conflicts that look like ARP poisoning.
import type { ArpFlow, Flow } from '../../flows/types.js';
import type { DetectionContext, Detector, FlowContext } from '../detector.js';
import type { WindowState } from '../window-state.js';
import { dstIp, srcIp } from '../entities.js';
import { HOME_NETWORKS, ipFacts } from '../../util/ip.js';
import { ownString } from '../../util/own-string.js';

const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';
const ZERO_MAC = '00:00:00:00:00:00';
/** Distinct addresses asked for, within ARP_SCAN_SECONDS, that make a scan. */
export const ARP_SCAN_TARGETS = 5;
export const ARP_SCAN_SECONDS = 30;
/** Scans found after the first are merged for this long (traffic time) before they are reported. */
export const ARP_SCAN_MERGE_SECONDS = 10;
const MAX_TARGETS_PER_WINDOW = 4096;
const MAX_UIDS = 1000;

interface ScanWindow {
  /** Requested address -> traffic time, in insertion order. */
  targets: Map<string, number>;
  uids: string[];
}

interface PendingScan { ip: string; tw: number; uids: string[]; ts: number; due: number }

export class ArpDetector implements Detector {
  private readonly scans: WindowState<ScanWindow>;
  /** Scans waiting for their merge period to end, in due order. */
  private readonly pending = new Map<string, PendingScan>();
  private reportedAny = false;
  private clock = -Infinity;

  constructor(private readonly ctx: DetectionContext) { this.scans = ctx.perWindow(); }

  onFlow(flow: Flow, fc: FlowContext): void {
    if (flow.starttime > this.clock) { this.clock = flow.starttime; this.flushDue(); }
    if (flow.type_ !== 'arp') return;
    const op = flow.operation.toLowerCase();
    const gratuitous = op.includes('reply') && (flow.dst_hw === BROADCAST_MAC || flow.dst_hw === ZERO_MAC);
    if (gratuitous) this.mitm(flow, fc);
    else this.scan(flow, fc, op);
    if (op.includes('request')) this.outsideLocalNet(flow);
    else if (op.includes('reply')) this.unsolicited(flow);
  }

  private scan(f: ArpFlow, fc: FlowContext, op: string): void {
    if (!op.includes('request') || !f.dst_hw.includes(ZERO_MAC)) return;
    if (f.saddr === '0.0.0.0' || f.saddr === this.ctx.network.gatewayIp) return;
    const w = this.scans.obtain(fc.ip, fc.tw, () => ({ targets: new Map(), uids: [] }));
    if (w.targets.has(f.daddr)) w.targets.delete(f.daddr);
    else if (w.targets.size >= MAX_TARGETS_PER_WINDOW) return;
    w.targets.set(ownString(f.daddr), f.starttime);
    if (f.uid && w.uids.length < MAX_UIDS) w.uids.push(ownString(f.uid));
    // Only requests within the last ARP_SCAN_SECONDS count (the original keeps its first request
    // forever, so a window that starts slowly can never show a scan later).
    for (const [addr, ts] of w.targets) {
      if (f.starttime - ts <= ARP_SCAN_SECONDS) break;
      w.targets.delete(addr);
    }
    if (w.targets.size < ARP_SCAN_TARGETS) return;
    const uids = w.uids;
    this.scans.take(fc.ip, fc.tw);
    const key = `${fc.ip}|${fc.tw}`;
    if (!this.reportedAny) {
      this.reportedAny = true;
      this.reportScan(fc.ip, fc.tw, uids, f.starttime);
      return;
    }
    const p = this.pending.get(key);
    if (p) {
      for (const u of uids) if (p.uids.length < MAX_UIDS) p.uids.push(u);
      p.ts = Math.max(p.ts, f.starttime);
    } else this.pending.set(key, { ip: fc.ip, tw: fc.tw, uids, ts: f.starttime, due: f.starttime + ARP_SCAN_MERGE_SECONDS });
  }

  private reportScan(ip: string, tw: number, uids: string[], ts: number): void {
    this.ctx.emit({
      evidence_type: 'ARP_SCAN', description: 'performing an arp scan. Confidence 0.8.',
      attacker: srcIp(ip), threat_level: 'low', confidence: 0.8,
      uid: uids, timestamp: ts, timewindow: tw, proto: 'arp',
    });
  }

  private flushDue(): void {
    if (this.pending.size === 0) return;
    for (const [key, p] of this.pending) {
      if (p.due > this.clock) continue;
      this.pending.delete(key);
      this.reportScan(p.ip, p.tw, p.uids, p.ts);
    }
  }

  private outsideLocalNet(f: ArpFlow): void {
    const { saddr, daddr } = f;
    if (saddr.includes('0.0.0.0') || daddr.includes('0.0.0.0')) return;
    const d = this.ctx.addresses.of(daddr);
    if (!d.valid || d.version !== 4 || d.multicast || d.linkLocal) return;
    if (HOME_NETWORKS.some((c) => c.contains(d.parsed))) return;
    // Same first octet as the sender: taken as the sender's own network (compared as numbers,
    // where the original compares string prefixes and so also skips e.g. 10.x asking for 100.x).
    if (firstOctet(daddr) === firstOctet(saddr)) return;
    this.ctx.emit({
      evidence_type: 'ARP_OUTSIDE_LOCALNET',
      description: `${saddr} sending ARP packet to a destination address outside of local network: ${daddr}. `,
      attacker: srcIp(saddr), victim: dstIp(daddr),
      threat_level: 'low', confidence: 0.6,
      uid: f.uid ? [f.uid] : [], timestamp: f.starttime, proto: 'arp',
    });
  }

  private unsolicited(f: ArpFlow): void {
    if (f.dmac !== BROADCAST_MAC || f.dst_hw !== BROADCAST_MAC) return;
    if (!f.smac || f.smac === ZERO_MAC || !f.src_hw || f.src_hw === ZERO_MAC) return;
    this.ctx.emit({
      evidence_type: 'UNSOLICITED_ARP', description: 'broadcasting unsolicited ARP',
      attacker: srcIp(f.saddr), threat_level: 'low', confidence: 0.8,
      uid: f.uid ? [f.uid] : [], timestamp: f.starttime, proto: 'arp',
    });
  }

  /** A gratuitous reply claiming a MAC first seen with another IP. */
  private mitm(f: ArpFlow, fc: FlowContext): void {
    const original = this.ctx.network.ipsOfMac(f.smac)[0];
    if (!original || original === f.saddr) return;
    const net = this.ctx.network;
    const who = f.saddr === net.gatewayIp ? `The gateway ${f.saddr}` : f.saddr;
    const mac = net.gatewayMac && f.smac === net.gatewayMac ? `of the gateway ${f.smac}` : f.smac;
    const orig = original === net.gatewayIp ? `the gateway IP ${original}` : `IP ${original}`;
    this.ctx.emit({
      evidence_type: 'MITM_ARP_ATTACK',
      description: `${who} performing a MITM ARP attack. The MAC ${mac}, now belonging to ${who}, was seen before for ${orig}.`,
      attacker: srcIp(f.saddr), victim: dstIp(original),
      threat_level: 'critical', confidence: 0.2,
      uid: f.uid ? [f.uid] : [], timestamp: f.starttime, timewindow: fc.tw, proto: 'arp',
    });
  }

  onTimewindowClosed(ip: string, tw: number): void {
    const key = `${ip}|${tw}`;
    const p = this.pending.get(key);
    if (p) { this.pending.delete(key); this.reportScan(p.ip, p.tw, p.uids, p.ts); }
  }

  onEnd(): void {
    for (const p of this.pending.values()) this.reportScan(p.ip, p.tw, p.uids, p.ts);
    this.pending.clear();
  }
}

const firstOctet = (ip: string): string => ip.slice(0, ip.indexOf('.'));
