// flow_alerts, dns.log part (spec detections §2.2): DNS answers nobody used, high-entropy TXT
// answers, private answers, NXDOMAIN bursts (DGA), reverse-lookup scans, DNS across local
// networks and young domains.
import type { DnsFlow, Flow } from '../../flows/types.js';
import { isConnLike } from '../../flows/types.js';
import type { DetectionContext, Detector, FlowContext } from '../detector.js';
import type { WindowState } from '../window-state.js';
import { ipFacts, type IpFacts } from '../../util/ip.js';
import { dstDomain, dstIp, srcIp } from '../entities.js';
import { pyFloat, pyRound2, round2 } from '../../util/py-format.js';
import { Scheduler } from '../../util/scheduler.js';
import { BoundedPairMap } from '../../util/bounded-pair-map.js';
import type { DomainAgeSource } from '../../enrich/domain-age.js';

/** Minutes after a DNS answer at which Slips looks for a connection to it (the last check decides). */
const DNS_WAITS = [600, 1200, 1800];
const DGA_STEP = 5;
const DGA_MIN = 10;
const ARPA_HOSTS = 10;
const ARPA_SECONDS = 2;
const YOUNG_DOMAIN_DAYS = 60;
const MAX_PENDING = 100_000;
const MAX_CONTACTS = 1_000_000;
const MAX_PER_WINDOW = 10_000;


interface PendingDns { f: DnsFlow; ips: string[]; twStart: number; check: number }
interface ArpaState { ts: number[]; queries: string[]; uids: string[] }

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  if (!s) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const n = [...s].length;
  let h = 0;
  for (const c of counts.values()) { const p = c / n; h -= p * Math.log2(p); }
  return h;
}

/** An IPv4 address DIFFERENT_LOCALNET looks at (a module function: a closure per DNS flow was costly). */
const plainV4 = (x: IpFacts, ip: string): boolean => x.version === 4 && !x.unspecified && ip !== '255.255.255.255'
  && !x.loopback && !x.multicast;


export class DnsChecks implements Detector {
  /** (saddr, daddr) -> end time of the latest connection between them. */
  // A query is checked against contacts since the start of its window, up to the last re-check:
  // a generation lasting that long keeps every contact that can still matter (and no older ones).
  private readonly contacts: BoundedPairMap<number>;
  private readonly pending = new Scheduler<PendingDns>();
  private readonly nxdomains: WindowState<{ queries: Set<string>; uids: string[] }>;
  private readonly arpa = new Map<string, ArpaState>();
  /** A source of domain ages (whois); YOUNG_DOMAIN is skipped without one. */
  domainAges: DomainAgeSource | null = null;
  /** The run's configured source, filled by a setup step after the detectors are built. */
  private readonly reportArrived = (f: DnsFlow, age: number): void => { this.reportYoung(f, age); };

  constructor(private readonly ctx: DetectionContext) {
    this.contacts = new BoundedPairMap<number>(MAX_CONTACTS, ctx.settings.width + DNS_WAITS[DNS_WAITS.length - 1]! + 60);
    this.nxdomains = ctx.perWindow();
  }

  private clock = -Infinity;

  onFlow(flow: Flow, fc: FlowContext): void {
    if (flow.starttime > this.clock) this.clock = flow.starttime;
    this.pending.runDue(flow.starttime, (p) => this.recheck(p));
    if (isConnLike(flow)) {
      const end = Math.max(flow.endtime, flow.starttime);
      this.contacts.age(flow.starttime);
      this.contacts.raise(flow.saddr, flow.daddr, end);
      return;
    }
    if (flow.type_ !== 'dns') return;
    this.withoutConnection(flow, fc);
    this.highEntropy(flow);
    this.invalidResolution(flow);
    this.dga(flow, fc);
    this.arpaScan(flow);
    this.differentLocalnet(flow);
    this.youngDomain(flow);
  }

  // DNS_WITHOUT_CONNECTION --------------------------------------------------------------------
  private eligible(f: DnsFlow): boolean {
    const q = f.query;
    if (!q || q.includes('arpa') || q.includes('.local') || q.includes('*') || !q.includes('.')) return false;
    if (q.slice(-10).includes('.cymru.com') || q.toUpperCase() === 'WPAD') return false;
    if (f.qtype_name !== 'A' && f.qtype_name !== 'AAAA') return false;
    return f.rcode_name === 'NOERROR' && f.answers.length > 0;
  }

  /** IPs a connection may have gone to: the answers, the addresses of CNAMEs in the answers, earlier answers. */
  private candidateIps(f: DnsFlow): string[] {
    // Distinct, in first-seen order (a short list: includes() instead of a Set and its copy).
    const ips: string[] = [];
    for (const a of f.answers) {
      if (this.ctx.addresses.of(a).valid) { if (!ips.includes(a)) ips.push(a); }
      else { const r = this.ctx.dns.ofDomain(a); if (r) for (const ip of r.ips) if (!ips.includes(ip)) ips.push(ip); }
    }
    const r = this.ctx.dns.ofDomain(f.query);
    if (r) for (const ip of r.ips) if (!ips.includes(ip)) ips.push(ip);
    return ips;
  }

  private contactedIp(saddr: string, ip: string, since: number): boolean {
    return (this.contacts.get(saddr, ip) ?? -Infinity) >= since;
  }

  /**
   * Whether the source connected to any address the answer may stand for since `since`: the
   * addresses remembered with the answer and today's candidates, checked in place (no arrays).
   */
  private contactedAny(p: PendingDns): boolean {
    const { saddr } = p.f;
    const since = p.twStart;
    for (const ip of p.ips) if (this.contactedIp(saddr, ip, since)) return true;
    for (const a of p.f.answers) {
      if (this.ctx.addresses.of(a).valid) { if (this.contactedIp(saddr, a, since)) return true; }
      else { const r = this.ctx.dns.ofDomain(a); if (r) for (const ip of r.ips) if (this.contactedIp(saddr, ip, since)) return true; }
    }
    const r = this.ctx.dns.ofDomain(p.f.query);
    if (r) for (const ip of r.ips) if (this.contactedIp(saddr, ip, since)) return true;
    return false;
  }

  private withoutConnection(f: DnsFlow, fc: FlowContext): void {
    if (!this.eligible(f)) return;
    const ips = this.candidateIps(f);
    if (!ips.length) return;
    if (this.pending.size >= MAX_PENDING) this.pending.runOldest((p) => this.recheck(p, true));
    this.pending.push(f.starttime + DNS_WAITS[0]!, { f, ips, twStart: fc.twStart, check: 0 });
  }

  /** Re-checks at 10 and 20 minutes; at 30 minutes (or at the end of the input) decides. */
  private recheck(p: PendingDns, final = false): void {
    if (this.contactedAny(p)) return;
    if (!final && p.check < DNS_WAITS.length - 1) {
      p.check++;
      this.pending.push(p.f.starttime + DNS_WAITS[p.check]!, p);
      return;
    }
    this.ctx.emit({
      evidence_type: 'DNS_WITHOUT_CONNECTION',
      description: `domain ${p.f.query} resolved with no connection`,
      attacker: srcIp(p.f.saddr), victim: dstDomain(p.f.query), threat_level: 'info', confidence: 0.8,
      uid: [p.f.uid], timestamp: p.f.starttime, proto: p.f.proto, src_port: p.f.sport, dst_port: p.f.dport,
    });
  }

  // HIGH_ENTROPY_DNS_ANSWER -------------------------------------------------------------------
  private highEntropy(f: DnsFlow): void {
    if (this.ctx.addresses.of(f.saddr).multicast) return;
    const threshold = this.ctx.settings.entropyThreshold;
    for (const answer of f.answers) {
      if (!answer.includes('TXT')) continue;
      const h = shannonEntropy(answer);
      if (h < threshold) continue;
      const description = `A DNS TXT answer with high entropy. query: ${f.query} answer: "${answer}" entropy: ${pyRound2(h)} `;
      const base = { evidence_type: 'HIGH_ENTROPY_DNS_ANSWER' as const, description, confidence: 0.6, uid: [f.uid],
        timestamp: f.starttime, proto: f.proto, src_port: f.sport, dst_port: f.dport };
      const dst = this.ctx.emit({ ...base, attacker: dstIp(f.daddr), profile: f.daddr, threat_level: 'medium' });
      this.ctx.emit({ ...base, attacker: srcIp(f.saddr), profile: f.saddr, threat_level: 'low', rel_id: [dst] });
    }
  }

  // INVALID_DNS_RESOLUTION --------------------------------------------------------------------
  private invalidResolution(f: DnsFlow): void {
    const q = f.query;
    if (!q || q === 'localhost' || q.endsWith('.local') || q.endsWith('.arpa')) return;
    for (const answer of f.answers) {
      if (!this.ctx.addresses.of(answer).private) continue;
      this.ctx.emit({
        evidence_type: 'INVALID_DNS_RESOLUTION',
        description: `Invalid DNS answer. The DNS query ${q} was resolved to the private IP: ${answer}`,
        attacker: srcIp(f.saddr), victim: dstDomain(q), threat_level: 'info', confidence: 0.8,
        uid: [f.uid], timestamp: f.starttime, proto: f.proto, src_port: f.sport, dst_port: f.dport,
      });
    }
  }

  // DGA_NXDOMAINS -----------------------------------------------------------------------------
  private dga(f: DnsFlow, fc: FlowContext): void {
    const q = f.query;
    if (!f.rcode_name.includes('NXDOMAIN') || !q || q.endsWith('.arpa') || q.endsWith('.local')) return;
    const wl = this.ctx.whitelist;
    if (wl && (wl.isDomainWhitelisted(q, 'dst', 'alerts') || wl.isTopDomain(q))) return;
    const s = this.nxdomains.obtain(fc.ip, fc.tw, () => ({ queries: new Set(), uids: [] }));
    if (s.queries.has(q) || s.queries.size >= MAX_PER_WINDOW) return;
    s.queries.add(q);
    s.uids.push(f.uid);
    const n = s.queries.size;
    if (n % DGA_STEP !== 0 || n < DGA_MIN) return;
    this.ctx.emit({
      evidence_type: 'DGA_NXDOMAINS',
      description: `Possible DGA or domain scanning. ${f.saddr} failed to resolve ${n} different domains`,
      attacker: srcIp(f.saddr), threat_level: 'high', confidence: round2(Math.min(1, n / 100)),
      uid: s.uids, timestamp: f.starttime, proto: f.proto, src_port: f.sport, dst_port: f.dport,
    });
    this.nxdomains.set(fc.ip, fc.tw, { queries: new Set(), uids: [] });
  }

  // DNS_ARPA_SCAN -----------------------------------------------------------------------------
  private arpaScan(f: DnsFlow): void {
    if (!f.query.endsWith('.in-addr.arpa')) return;
    let s = this.arpa.get(f.saddr);
    if (!s) { s = { ts: [], queries: [], uids: [] }; this.arpa.set(f.saddr, s); }
    // Only the last two seconds matter: older queries are forgotten (the original never forgets them).
    while (s.ts.length && f.starttime - s.ts[0]! > ARPA_SECONDS) { s.ts.shift(); s.queries.shift(); s.uids.shift(); }
    if (s.queries.includes(f.query)) return;
    s.ts.push(f.starttime); s.queries.push(f.query); s.uids.push(f.uid);
    if (s.queries.length < ARPA_HOSTS) return;
    this.ctx.emit({
      evidence_type: 'DNS_ARPA_SCAN',
      description: `Doing DNS ARPA scan. Scanned ${ARPA_HOSTS} hosts within ${ARPA_SECONDS} seconds.`,
      attacker: srcIp(f.saddr), threat_level: 'medium', confidence: 0.7,
      uid: s.uids, timestamp: f.starttime, proto: f.proto, src_port: f.sport, dst_port: f.dport,
    });
    this.arpa.delete(f.saddr);
  }

  // DIFFERENT_LOCALNET (DNS) ------------------------------------------------------------------
  /**
   * The intent of the original (its guard is inverted): a client of the monitored network asking a
   * resolver is checked; a detected DNS server itself is never reported.
   */
  private differentLocalnet(f: DnsFlow): void {
    const net = this.ctx.network.localNetwork;
    if (!net || f.dport !== 53 || (f.proto && f.proto !== 'udp')) return;
    const s = this.ctx.addresses.of(f.saddr), d = this.ctx.addresses.of(f.daddr);
    if (!plainV4(s, f.saddr) || !plainV4(d, f.daddr)) return;
    if (!((s.private && d.private) || (!s.private && d.private))) return;
    if (this.ctx.network.dnsServers.has(f.saddr)) return;
    if (s.private && !net.contains(s.parsed)) {
      this.ctx.emit({
        evidence_type: 'DIFFERENT_LOCALNET',
        description: `A connection from a private IP (${f.saddr}) on port ${f.dport}/udp outside of the used local network ${net.text}. To IP: ${f.daddr} `,
        attacker: srcIp(f.saddr), victim: dstIp(f.daddr), threat_level: 'low', confidence: 1,
        uid: [f.uid], timestamp: f.starttime, proto: 'udp', src_port: f.sport, dst_port: f.dport,
      });
    }
  }

  // YOUNG_DOMAIN ------------------------------------------------------------------------------
  private youngDomain(f: DnsFlow): void {
    const ages = this.domainAges ?? this.ctx.domainAges;
    if (!ages) return;
    // Ages looked up in the background for earlier queries: reported with those queries' own times
    // while their windows are still open.
    ages.takeArrived?.(this.clock - this.ctx.settings.width, this.reportArrived);
    const q = f.query;
    if (!q || q.endsWith('.local') || q.endsWith('.arpa')) return;
    const age = ages.ageDays(q, f.starttime);
    if (age === undefined) ages.remember?.(q, f);
    else this.reportYoung(f, age);
  }

  private reportYoung(f: DnsFlow, age: number): void {
    if (age >= YOUNG_DOMAIN_DAYS) return;
    const q = f.query;
    const description = `connection to a young domain: ${q} registered ${pyFloat(age)} days ago.`;
    const base = { evidence_type: 'YOUNG_DOMAIN' as const, description, confidence: 1, uid: [f.uid],
      timestamp: f.starttime, proto: f.proto, src_port: f.sport, dst_port: f.dport };
    const ids: string[] = [];
    for (const a of f.answers) {
      if (!this.ctx.addresses.of(a).valid) continue;
      ids.push(this.ctx.emit({ ...base, attacker: dstIp(a), victim: srcIp(f.saddr), profile: a, threat_level: 'low' }));
    }
    this.ctx.emit({ ...base, attacker: srcIp(f.saddr), victim: dstDomain(q), threat_level: 'info', rel_id: ids });
  }

  onTimewindowClosed(ip: string): void {
    const a = this.arpa.get(ip);
    if (a && (!a.ts.length || a.ts[a.ts.length - 1]! < this.clock - ARPA_SECONDS)) this.arpa.delete(ip);
  }

  onEnd(): void {
    (this.domainAges ?? this.ctx.domainAges)?.takeArrived?.(this.clock - this.ctx.settings.width, this.reportArrived);
    this.pending.runAll((p) => this.recheck(p, true));
  }
}
