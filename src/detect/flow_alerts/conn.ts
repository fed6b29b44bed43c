// flow_alerts, conn.log part: per-flow checks on conn-like flows (spec detections §2.1).
import type { ConnFlow, Flow } from '../../flows/types.js';
import { isConnLike } from '../../flows/types.js';
import type { DetectionContext, Detector, FlowContext } from '../detector.js';
import { ipFacts } from '../../util/ip.js';
import { dstIp, srcIp } from '../entities.js';
import { round2 } from '../../util/py-format.js';
import { isOrgPort } from './org-ports.js';


/** UDP destination ports above this, to many peers, look like P2P rather than an unknown service. */
const P2P_PORT_FLOOR = 30000;
const P2P_DISTINCT_PEERS = 5;
const P2P_PEER_FLOWS = 6;
const P2P_TRACKED_PEERS = 10_000;

export class ConnChecks implements Detector {
  /** UDP high-port flows per destination, for the P2P exception of UNKNOWN_PORT. */
  private readonly p2pPeers = new Map<string, number>();
  /** FTP data-channel ports announced in ftp.log. */
  private readonly ftpPorts = new Set<number>();


  constructor(private readonly ctx: DetectionContext) {}

  onFlow(flow: Flow, fc: FlowContext): void {
    if (flow.type_ === 'ftp') { if (flow.used_port !== null && this.ftpPorts.size < 65536) this.ftpPorts.add(flow.used_port); return; }
    if (!isConnLike(flow)) return;
    this.longConnection(flow);
    this.unknownPort(flow, fc);
    this.port0(flow);
    this.privateIp(flow);
  }

  private longConnection(f: ConnFlow): void {
    const threshold = this.ctx.settings.longConnectionThreshold;
    if (!(f.dur > threshold)) return;
    if (this.ctx.addresses.of(f.saddr).multicast || this.ctx.addresses.of(f.daddr).multicast) return;
    this.ctx.emit({
      evidence_type: 'LONG_CONNECTION',
      description: `Long Connection. Connection from ${f.saddr} to destination address: ${f.daddr} took ${Math.trunc(f.dur / 60)} mins`,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr),
      threat_level: 'low', confidence: round2(Math.min(1, (f.dur - 86400) / 86400 + 1)),
      uid: [f.uid], timestamp: f.starttime, proto: f.proto, src_port: f.sport, dst_port: f.dport,
    });
  }

  /** The original's P2P heuristic: many flows to, or many peers on, high UDP ports. */
  private isP2P(f: ConnFlow): boolean {
    if (f.proto !== 'udp' || f.dport <= P2P_PORT_FLOOR) return false;
    const seen = this.p2pPeers.get(f.daddr) ?? 0;
    if (seen >= P2P_PEER_FLOWS) return true;
    if (this.p2pPeers.size < P2P_TRACKED_PEERS || this.p2pPeers.has(f.daddr)) this.p2pPeers.set(f.daddr, seen + 1);
    return this.p2pPeers.size >= P2P_DISTINCT_PEERS;
  }

  private unknownPort(f: ConnFlow, fc: FlowContext): void {
    if (!f.dport) return;
    const proto = f.proto.toLowerCase();
    if (!proto || proto.includes('icmp')) return;
    // Both pure: the cheap port lookup first (isScanner builds a key).
    if (this.ctx.ports.isKnown(f.dport, proto)) return;
    if (this.ctx.scanMarks.isScanner(f.saddr, fc.tw)) return;
    if (this.ftpPorts.has(f.dport)) return;
    if (this.isP2P(f)) return;
    if (isOrgPort(f, this.ctx.dns, (ip) => this.ctx.facts.lastSni(ip), this.ctx.reference)) return;
    this.ctx.emit({
      evidence_type: 'UNKNOWN_PORT',
      description: `Connection to unknown destination port ${f.dport}/${proto.toUpperCase()} destination IP ${f.daddr}.`,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr),
      threat_level: fc.interpretedState === 'Established' ? 'high' : 'medium', confidence: 1,
      uid: [f.uid], timestamp: f.starttime, proto, src_port: f.sport, dst_port: f.dport,
    });
  }

  /**
   * Port 0 is never a real service. Unlike the original (which names the destination as attacker
   * when the destination port is 0), the source is the attacker in both cases: it chose the port.
   */
  private port0(f: ConnFlow): void {
    const proto = f.proto.toLowerCase();
    if (proto === 'igmp' || proto.includes('icmp') || proto === 'arp' || !proto) return;
    if (this.ctx.addresses.of(f.daddr).multicast) return;
    if (f.sport !== 0 && f.dport !== 0) return;
    this.ctx.emit({
      evidence_type: 'PORT_0_CONNECTION',
      description: `Connection on port 0 from ${f.saddr}:${f.sport} to ${f.daddr}:${f.dport}.`,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr),
      threat_level: 'high', confidence: 0.8,
      uid: [f.uid], timestamp: f.starttime, proto, src_port: f.sport, dst_port: f.dport,
    });
  }

  private privateIp(f: ConnFlow): void {
    if (!this.ctx.addresses.of(f.saddr).private || !this.ctx.addresses.of(f.daddr).private) return;
    const proto = f.proto.toLowerCase();
    if (proto === 'udp') {
      if (f.dport === 53) return;
      if ((f.dport === 67 || f.dport === 68) && f.daddr === this.ctx.network.gatewayIp) return;
      if (f.dport === 546 || f.dport === 547) return;
    }
    let tail = '';
    if (proto.includes('icmp')) tail = 'protocol: ICMP';
    else if (proto !== 'arp' && f.dport) tail = `on destination port: ${f.dport}`;
    this.ctx.emit({
      evidence_type: 'CONNECTION_TO_PRIVATE_IP',
      description: `Connecting to private IP: ${f.daddr} ${tail}`,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr),
      threat_level: 'info', confidence: 1,
      uid: [f.uid], timestamp: f.starttime, proto, src_port: f.sport, dst_port: f.dport,
    });
  }
}
