// flow_alerts, conn.log part: the checks that need more than the flow itself — counters per
// profile and time window, the local network, DNS resolutions, MAC history (spec detections §2.1).
import type { ConnFlow, Flow } from '../../flows/types.js';
import type { DetectionContext, Detector, FlowContext } from '../detector.js';
import { isIgnoredIp, type IpFacts } from '../../util/ip.js';
import { dstIp, srcIp } from '../entities.js';
import { WindowMap } from '../../util/window-map.js';
import { pyFloat, pyList } from '../../util/py-format.js';
import { Scheduler } from '../../util/scheduler.js';
import { BoundedSet } from '../../util/bounded-map.js';

const REJ_THRESHOLD = 5;
const TELNET_THRESHOLD = 4;
/** Bytes in one flow that make it a large upload (fixed in the original, 100 MB). */
const SINGLE_FLOW_UPLOAD_MB = 100;
/** Traffic seconds a connection waits for its DNS answer to show up in the logs. */
const DNS_GRACE = 15;
/** A resolution older than this does not explain a connection. */
const RESOLUTION_MAX_AGE = 86400;
const MAX_KEYS_PER_WINDOW = 10_000;
const MAX_PORTS_PER_DST = 1000;
const MAX_UIDS = 100;
const MAX_PENDING = 100_000;

interface Counter { n: number; uids: string[] }
/** Bytes sent to one destination; the first uid inline (most destinations see one flow). */
interface Upload { bytes: number; lastTs: number; uid0: string; more: string[] | null }
const uploadUids = (u: Upload): string[] => (u.more ? [u.uid0, ...u.more] : [u.uid0]);
interface PortsToDst { ports: Map<number, string>; reported: number }

/** Per profile and time window state, released when the window closes; each collection made on first use. */
interface WindowState {
  reconnections: Map<string, Counter> | null;
  uploads: Map<string, Upload> | null;
  ports: Map<string, PortsToDst> | null;
  withoutDns: Set<string> | null;
  /** Set when the window closed: a pending check then looks the window up again. */
  closed: boolean;
}

interface PendingWithoutDns { f: ConnFlow; tw: number; w: WindowState }

/** x.y.z.255 from a host of x.y.z.0/24: a directed broadcast, never resolved by DNS. */
const isSubnetBroadcast = (saddr: string, daddr: string): boolean =>
  daddr.endsWith('.255') && saddr.slice(0, saddr.lastIndexOf('.')) === daddr.slice(0, daddr.lastIndexOf('.'));

const pushUid = (xs: string[], uid: string, max = MAX_UIDS): void => { if (xs.length < max) xs.push(uid); };

/** An IPv4 address DIFFERENT_LOCALNET looks at (not unspecified, broadcast, loopback or multicast). */
const plainV4 = (x: IpFacts, ip: string): boolean => x.version === 4 && !x.unspecified && ip !== '255.255.255.255'
  && !x.loopback && !x.multicast;

export class ConnContextChecks implements Detector {
  private readonly windows = new WindowMap<WindowState>();
  private readonly pendingDns = new Scheduler<PendingWithoutDns>();
  /** Connections that came due before any DNS record was seen: held until one is (or dropped at the end). */
  private held: PendingWithoutDns[] = [];
  private dnsSeen = false;
  private readonly macChecked = new BoundedSet<string>(100_000);

  constructor(private readonly ctx: DetectionContext) {}

  private window(ip: string, tw: number): WindowState {
    let w = this.windows.get(ip, tw);
    if (!w) {
      w = { reconnections: null, uploads: null, ports: null, withoutDns: null, closed: false };
      this.windows.set(ip, tw, w);
    }
    return w;
  }

  private readonly checkPending = (p: PendingWithoutDns): void => this.checkWithoutDns(p);

  onFlow(flow: Flow, fc: FlowContext): void {
    this.pendingDns.runDue(flow.starttime, this.checkPending);
    if (flow.type_ === 'dns') {
      if (!this.dnsSeen) { this.dnsSeen = true; const h = this.held; this.held = []; for (const p of h) this.checkWithoutDns(p); }
      return;
    }
    if (flow.type_ !== 'conn' && flow.type_ !== 'argus' && flow.type_ !== 'nfdump') return;
    this.reconnections(flow, fc);
    this.differentLocalnet(flow);
    this.scheduleWithoutDns(flow, fc);
    this.multiplePorts(flow, fc);
    this.dataUpload(flow, fc);
    this.deviceChangingIp(flow);
  }

  // MULTIPLE_RECONNECTION_ATTEMPTS ----------------------------------------------------------
  private reconnections(f: ConnFlow, fc: FlowContext): void {
    if (f.state === 'REJ') this.countReconnection(f, fc, `${f.saddr}-${f.daddr}-${f.dport}`, REJ_THRESHOLD,
      (n) => `Multiple reconnection attempts from IP: ${f.saddr} to destination IP: ${f.daddr} reconnections: ${n}.`);
    if (fc.interpretedState === 'Not Established' && f.proto === 'tcp' && (f.dport === 23 || f.dport === 2323)) {
      this.countReconnection(f, fc, `${f.saddr}-${f.daddr}-telnet`, TELNET_THRESHOLD,
        (n) => `Multiple Telnet reconnection attempts from IP: ${f.saddr} to Destination IP: ${f.daddr}  reconnections: ${n}`);
    }
  }

  private countReconnection(f: ConnFlow, fc: FlowContext, key: string, threshold: number, text: (n: number) => string): void {
    const w = this.window(fc.ip, fc.tw);
    const counters = w.reconnections ??= new Map();
    let c = counters.get(key);
    if (!c) {
      if (counters.size >= MAX_KEYS_PER_WINDOW) return;
      c = { n: 0, uids: [] };
      counters.set(key, c);
    }
    c.n++;
    pushUid(c.uids, f.uid);
    if (c.n < threshold) return;
    this.ctx.emit({
      evidence_type: 'MULTIPLE_RECONNECTION_ATTEMPTS', description: text(c.n),
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr), threat_level: 'medium', confidence: 0.5,
      uid: c.uids, timestamp: f.starttime, proto: f.proto, src_port: f.sport, dst_port: f.dport,
    });
    c.n = 0; c.uids = [];
  }

  // DIFFERENT_LOCALNET ----------------------------------------------------------------------
  private differentLocalnet(f: ConnFlow): void {
    const net = this.ctx.network.localNetwork;
    if (!net) return;
    const proto = f.proto.toLowerCase();
    if (f.dport === 53 && proto === 'udp') return;
    const s = this.ctx.addresses.of(f.saddr), d = this.ctx.addresses.of(f.daddr);
    if (!plainV4(s, f.saddr) || !plainV4(d, f.daddr)) return;
    if (!((s.private && d.private) || (!s.private && d.private))) return;
    const PROTO = proto.toUpperCase();
    if (d.private && !net.contains(d.parsed)) {
      const tail = proto.includes('arp') ? 'using ARP' : `on destination port: ${f.dport}/${PROTO}`;
      this.ctx.emit({
        evidence_type: 'DIFFERENT_LOCALNET',
        description: `A connection to a private IP (${f.daddr}) on port ${f.dport}/${proto} outside of the used local network ${net.text}. From IP: ${f.saddr} ${tail}`,
        attacker: dstIp(f.daddr), victim: srcIp(f.saddr), profile: f.daddr, threat_level: 'high', confidence: 1,
        uid: [f.uid], timestamp: f.starttime, proto, src_port: f.sport, dst_port: f.dport,
      });
    }
    if (s.private && !net.contains(s.parsed)) {
      this.ctx.emit({
        evidence_type: 'DIFFERENT_LOCALNET',
        description: `A connection from a private IP (${f.saddr}) on port ${f.dport}/${proto} outside of the used local network ${net.text}. To IP: ${f.daddr} `,
        attacker: srcIp(f.saddr), victim: dstIp(f.daddr), threat_level: 'low', confidence: 1,
        uid: [f.uid], timestamp: f.starttime, proto, src_port: f.sport, dst_port: f.dport,
      });
    }
  }

  // CONNECTION_WITHOUT_DNS ------------------------------------------------------------------
  private scheduleWithoutDns(f: ConnFlow, fc: FlowContext): void {
    if (f.type_ !== 'conn') return; // Argus and NetFlow inputs carry no DNS records.
    const app = f.appproto.toLowerCase();
    if (app.includes('dns') || app === 'icmp' || f.proto.includes('icmp')) return;
    if (f.dport === 53 || f.dport === 853 || f.dport === 5353) return;
    if (isIgnoredIp(f.daddr) || isSubnetBroadcast(f.saddr, f.daddr)) return;
    const w = this.window(fc.ip, fc.tw);
    if (w.withoutDns?.has(f.daddr)) return;
    if (this.pendingDns.size >= MAX_PENDING) this.pendingDns.runOldest(this.checkPending);
    this.pendingDns.push(f.starttime + DNS_GRACE, { f, tw: fc.tw, w });
  }

  private checkWithoutDns(p: PendingWithoutDns): void {
    if (!this.dnsSeen) { if (this.held.length < MAX_PENDING) this.held.push(p); return; }
    const f = p.f;
    const w = p.w.closed ? this.windows.get(f.saddr, p.tw) : p.w;
    if (!w || w.withoutDns?.has(f.daddr)) return;
    const net = this.ctx.network;
    // Pure checks, cheapest and most often deciding first.
    if (net.dhcpServers.has(f.daddr) || this.ctx.facts.dohServers.has(f.daddr)) return;
    const r = this.ctx.dns.ofIp(f.daddr);
    if (r && r.ts >= f.starttime - RESOLUTION_MAX_AGE) return;
    if (net.isClientIp(f.daddr) || this.ctx.reference.orgs.ofIp(f.daddr)) return;
    const sni = this.ctx.facts.lastSni(f.daddr);
    if (sni && (this.ctx.reference.orgs.ofDomain(sni) || this.ctx.whitelist.isTopDomain(sni))) return;
    const reported = w.withoutDns ??= new Set();
    if (reported.size >= MAX_KEYS_PER_WINDOW) return;
    reported.add(f.daddr);
    this.ctx.emit({
      evidence_type: 'CONNECTION_WITHOUT_DNS',
      description: `A connection without DNS resolution to Destination IP: ${f.daddr}`,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr), threat_level: 'info', confidence: 0.8,
      uid: [f.uid], timestamp: f.starttime, proto: f.proto, src_port: f.sport, dst_port: f.dport,
    });
  }

  // CONNECTION_TO_MULTIPLE_PORTS ------------------------------------------------------------
  private multiplePorts(f: ConnFlow, fc: FlowContext): void {
    if (f.proto !== 'tcp' || fc.interpretedState !== 'Established') return;
    if (f.appproto || this.ctx.ports.isKnown(f.dport, 'tcp')) return;
    const w = this.window(fc.ip, fc.tw);
    const dsts = w.ports ??= new Map();
    let d = dsts.get(f.daddr);
    if (!d) {
      if (dsts.size >= MAX_KEYS_PER_WINDOW) return;
      d = { ports: new Map(), reported: 0 };
      dsts.set(f.daddr, d);
    }
    if (!d.ports.has(f.dport) && d.ports.size < MAX_PORTS_PER_DST) d.ports.set(f.dport, f.uid);
    if (d.ports.size <= 1 || d.ports.size <= d.reported) return;
    d.reported = d.ports.size;
    const ports = [...d.ports.keys()].map(String);
    this.ctx.emit({
      evidence_type: 'CONNECTION_TO_MULTIPLE_PORTS',
      description: `Connection to multiple ports ${pyList(ports)} from ${f.saddr} to ${f.daddr}. `,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr), threat_level: 'info', confidence: 0.5,
      uid: [...d.ports.values()], timestamp: f.starttime, proto: f.proto, src_port: f.sport, dst_port: f.dport,
    });
  }

  // DATA_UPLOAD -----------------------------------------------------------------------------
  private uploadIgnored(f: { daddr: string; sbytes: number }): boolean {
    if (!f.daddr || !f.sbytes || f.daddr === this.ctx.network.gatewayIp) return true;
    const d = this.ctx.addresses.of(f.daddr);
    return d.multicast || d.linkLocal || d.reserved;
  }

  private emitUpload(saddr: string, daddr: string, bytes: number, uids: string[], ts: number, tw?: number): void {
    const description = `Large data upload. ${pyFloat(bytes / 1e6)} MBs sent to ${daddr}`;
    const src = this.ctx.emit({ evidence_type: 'DATA_UPLOAD', description, attacker: srcIp(saddr), profile: saddr,
      threat_level: 'info', confidence: 0.6, uid: uids, timestamp: ts, ...(tw !== undefined ? { timewindow: tw } : {}) });
    this.ctx.emit({ evidence_type: 'DATA_UPLOAD', description, attacker: dstIp(daddr), profile: daddr,
      threat_level: 'high', confidence: 0.6, uid: uids, timestamp: ts, rel_id: [src] });
  }

  private dataUpload(f: ConnFlow, fc: FlowContext): void {
    if (this.uploadIgnored(f)) return;
    if (f.sbytes / 1e6 >= SINGLE_FLOW_UPLOAD_MB) this.emitUpload(f.saddr, f.daddr, f.sbytes, [f.uid], f.starttime);
    const w = this.window(fc.ip, fc.tw);
    const uploads = w.uploads ??= new Map();
    let u = uploads.get(f.daddr);
    if (!u) {
      if (uploads.size >= MAX_KEYS_PER_WINDOW) return;
      u = { bytes: f.sbytes, lastTs: f.starttime, uid0: f.uid, more: null };
      uploads.set(f.daddr, u);
      return;
    }
    u.bytes += f.sbytes;
    if (f.starttime >= u.lastTs) u.lastTs = f.starttime;
    if (u.more === null) u.more = [f.uid];
    else pushUid(u.more, f.uid, MAX_UIDS - 1);
  }

  // DEVICE_CHANGING_IP ----------------------------------------------------------------------
  private deviceChangingIp(f: ConnFlow): void {
    if (f.type_ !== 'conn' || !f.smac || f.smac === this.ctx.network.gatewayMac) return;
    const s = this.ctx.addresses.of(f.saddr);
    if (s.version !== 4 || !s.private || s.unspecified || s.linkLocal || f.saddr === '255.255.255.255') return;
    if (this.macChecked.has(f.saddr)) return;
    this.macChecked.add(f.saddr);
    const first = this.ctx.network.ipsOfMac(f.smac).find((ip) => {
      const x = this.ctx.addresses.of(ip);
      return x.version === 4 && !x.unspecified && !x.linkLocal && !x.multicast && ip !== '255.255.255.255';
    });
    if (!first || first === f.saddr) return;
    this.ctx.emit({
      evidence_type: 'DEVICE_CHANGING_IP',
      description: `A device changing IPs. IP ${f.saddr} was found with MAC address ${f.smac} but the MAC belongs originally to IP: ${first}. `,
      attacker: srcIp(f.saddr), threat_level: 'medium', confidence: 0.8,
      uid: [f.uid], timestamp: f.starttime, proto: f.proto, src_port: f.sport, dst_port: f.dport,
    });
  }

  onTimewindowClosed(ip: string, tw: number): void {
    const w = this.windows.take(ip, tw);
    if (!w) return;
    const threshold = this.ctx.settings.dataExfiltrationThresholdMB;
    for (const [daddr, u] of w.uploads ?? []) {
      if (u.bytes / 1e6 >= threshold) this.emitUpload(ip, daddr, u.bytes, uploadUids(u), u.lastTs, tw);
    }
    w.closed = true;
  }

  onEnd(): void {
    this.pendingDns.runAll(this.checkPending);
    this.held = [];
  }
}
