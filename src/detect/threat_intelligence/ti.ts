// threat_intelligence: every flow's addresses, domains, DNS answers, HTTP hosts/URLs and SNI are
// looked up in the feed tables (spec detections §1.9, §7). Lookups are hash / binary-search probes
// on tables built once; evidence for one indicator is reported once per profile and time window.
import type { ConnFlow, DnsFlow, Flow, HttpFlow } from '../../flows/types.js';
import { isConnLike } from '../../flows/types.js';
import type { DetectionContext, Detector, FlowContext } from '../detector.js';
import type { OncePerWindow } from '../window-state.js';
import type { Entity, EvidenceInput } from '../../evidence/types.js';
import { ipFacts, isIgnoredIp, isIgnoredIPv4, parseIPv4 } from '../../util/ip.js';
import type { DomainMatch, IocInfo, IocStore } from '../../ti/ioc-store.js';
import { tagsText } from '../../ti/tags.js';
import { asnSubsetDatabase, type AsnInfo } from '../../enrich/asn.js';
import type { RangeDatabase } from '../../enrich/range-table.js';

/** The fields every evidence of one flow shares. */
interface FlowFacts { uid: string; ts: number; proto: string | null; sport: number | null; dport: number | null }

const ipEntity = (value: string, direction: 'SRC' | 'DST'): Entity => ({ direction, ioc_type: 'IP', value });
const domainEntity = (value: string, direction: 'SRC' | 'DST'): Entity => ({ direction, ioc_type: 'DOMAIN', value });
const confText = (c: number): string => String(c);

/**
 * The feed entry of an address (exact, else the longest listed network); undefined if not listed,
 * null if the address is not worth looking up (private, reserved, ...). `v4` is the address
 * already parsed (null when it is not IPv4): IPv4 is handled on the number, without the shared
 * per-address facts cache, to stay cheap on the hot path.
 */
function listedAddress(store: IocStore, ip: string, v4: number | null): IocInfo | undefined | null {
  if (v4 !== null) {
    if (isIgnoredIPv4(v4)) return null;
    return store.lookupAddressIPv4(v4);
  }
  if (isIgnoredIp(ip)) return null;
  return store.lookupAddress(ip);
}

const MAX_HITS_PER_WINDOW = 10_000;
const MAX_PROFILE_HITS = 50;

export class ThreatIntelChecks implements Detector {
  /** Indicators already reported per profile and window (only matches are kept). */
  private readonly reported: OncePerWindow;

  constructor(private readonly ctx: DetectionContext) {
    // Beyond the bound an indicator is reported again rather than never.
    this.reported = ctx.oncePerWindow(MAX_HITS_PER_WINDOW, 'report');
  }

  onFlow(flow: Flow, fc: FlowContext): void {
    const store = this.ctx.ti.store;
    if (!store) return;
    if (isConnLike(flow)) { this.conn(store, flow, fc); return; }
    switch (flow.type_) {
      case 'dns': this.dns(store, flow, fc); break;
      case 'http': this.http(store, flow, fc); break;
      case 'ssl':
        if (flow.server_name) this.domain(store, flow.server_name, flow.saddr, fc, this.facts(flow, flow.proto, flow.sport, flow.dport));
        break;
      case 'ssh': case 'notice':
        this.ip(store, flow.daddr, 'dst', flow.saddr, flow.daddr, fc, this.facts(flow, 'tcp', flow.sport, flow.dport));
        break;
      default: break;
    }
  }

  /** Reused for every flow: evidence copies what it needs, so nothing is allocated per flow. */
  private readonly scratch: FlowFacts = { uid: '', ts: 0, proto: null, sport: null, dport: null };

  private facts(flow: Flow, proto: string | null, sport: number | null, dport: number | null): FlowFacts {
    const x = this.scratch;
    x.uid = flow.uid; x.ts = flow.starttime; x.proto = proto; x.sport = sport; x.dport = dport;
    return x;
  }

  /** True the first time `key` is reported for the profile in the flow's window. */
  private firstTime(profile: string, ts: number, key: string): boolean {
    return this.reported.first(profile, this.ctx.timewindowOf(ts), key);
  }

  private emit(ev: EvidenceInput): void { this.ctx.emit(ev); }

  /** Notes the hit in the profile's information (shown by the UI and written to flows.sqlite). */
  private noteHit(profile: string, ioc: string, info: IocInfo): void {
    const p = this.ctx.store.profile(profile);
    if (!p) return;
    const hits = (p.info.threat_intelligence ??= []) as { ioc: string; source: string; threat_level: string; description: string }[];
    if (hits.length < MAX_PROFILE_HITS && !hits.some((h) => h.ioc === ioc)) {
      hits.push({ ioc, source: info.source, threat_level: info.threat_level, description: info.description });
    }
  }

  private conn(store: IocStore, f: ConnFlow, fc: FlowContext): void {
    if (f.state === 'OTH') return;
    const facts = this.facts(f, f.proto, f.sport, f.dport);
    this.ip(store, f.saddr, 'src', f.saddr, f.daddr, fc, facts);
    if (!f.proto.includes('icmp')) this.ip(store, f.daddr, 'dst', f.saddr, f.daddr, fc, facts);
  }

  /**
   * An address of a flow (spec §7.2, §7.5). `src`: the profile's own address is listed (one
   * evidence); `dst`: the peer is listed (twins: the peer as DST attacker with the feed's level,
   * the profile as SRC attacker with level low).
   */
  private ip(store: IocStore, ip: string, state: 'src' | 'dst', saddr: string, daddr: string, fc: FlowContext, x: FlowFacts): void {
    const v4 = parseIPv4(ip);
    const match = listedAddress(store, ip, v4);
    if (match === null) return; // not a public address
    if (match) {
      if (!this.firstTime(fc.ip, x.ts, `ip|${state}|${ip}`)) return;
      const tail = `Description: ${match.description}. Source: ${match.source}.`;
      if (state === 'src') {
        this.emit({ evidence_type: 'THREAT_INTELLIGENCE_TO_BLACKLISTED_IP',
          description: `connection from blacklisted IP: ${ip} to ${daddr}. ${tail}`,
          attacker: ipEntity(saddr, 'SRC'), victim: ipEntity(daddr, 'DST'), profile: saddr,
          threat_level: match.threat_level, confidence: 1, uid: [x.uid], timestamp: x.ts,
          proto: x.proto, src_port: x.sport, dst_port: x.dport });
        this.noteHit(saddr, ip, match);
      } else {
        const description = `connection to blacklisted IP: ${ip} from ${saddr}. ${tail}`;
        this.emit({ evidence_type: 'THREAT_INTELLIGENCE_TO_BLACKLISTED_IP', description,
          attacker: ipEntity(daddr, 'DST'), victim: ipEntity(saddr, 'SRC'), profile: daddr,
          threat_level: match.threat_level, confidence: 1, uid: [x.uid], timestamp: x.ts,
          proto: x.proto, src_port: x.sport, dst_port: x.dport });
        this.emit({ evidence_type: 'THREAT_INTELLIGENCE_TO_BLACKLISTED_IP', description,
          attacker: ipEntity(saddr, 'SRC'), victim: ipEntity(daddr, 'DST'), profile: saddr,
          threat_level: 'low', confidence: 1, uid: [x.uid], timestamp: x.ts,
          proto: x.proto, src_port: x.sport, dst_port: x.dport });
        this.noteHit(saddr, ip, match);
      }
      return;
    }
    if (state === 'dst') this.asn(store, ip, v4, false, saddr, fc, x);
  }

  /**
   * The peer's autonomous system is listed (§7.5). The original swapped the two sentence
   * prefixes; here a connection says "Connection to IP" and a DNS answer "DNS response with IP".
   */
  private asn(store: IocStore, ip: string, v4: number | null, dnsAnswer: boolean, profileIp: string, fc: FlowContext, x: FlowFacts): void {
    if (store.asns.size === 0) return;
    const db = this.listedAsnRanges(store);
    const as = db && (v4 !== null ? db.lookupV4(v4) : db.lookup(ip));
    if (!as) return;
    const info = store.lookupAsn(as.number);
    if (!info || !this.firstTime(fc.ip, x.ts, `asn|${ip}`)) return;
    const prefix = dnsAnswer ? `DNS response with IP: ${ip}` : `Connection to IP: ${ip}`;
    const description = `${prefix} with blacklisted ASN: ${as.number} Description: ${info.description}, ` +
      `Found in feed: ${info.source}, Confidence: 0.8. Tags: ${tagsText(info)} `;
    this.emit({ evidence_type: 'THREAT_INTELLIGENCE_BLACKLISTED_ASN', description,
      attacker: ipEntity(profileIp, 'SRC'), victim: ipEntity(ip, 'DST'), profile: profileIp,
      threat_level: info.threat_level, confidence: 0.8, uid: [x.uid], timestamp: x.ts, proto: x.proto, src_port: x.sport, dst_port: x.dport });
    this.emit({ evidence_type: 'THREAT_INTELLIGENCE_BLACKLISTED_ASN', description,
      attacker: ipEntity(ip, 'DST'), victim: ipEntity(profileIp, 'SRC'), profile: ip,
      threat_level: info.threat_level, confidence: 0.8, uid: [x.uid], timestamp: x.ts, proto: x.proto, src_port: x.sport, dst_port: x.dport });
    this.noteHit(profileIp, as.number, info);
  }

  /** The address ranges of the listed autonomous systems, rebuilt when the feed tables are replaced. */
  private asnRanges: { store: IocStore; db: RangeDatabase<AsnInfo> | null } | null = null;
  private listedAsnRanges(store: IocStore): RangeDatabase<AsnInfo> | null {
    if (this.asnRanges?.store !== store) {
      const numbers = new Set<number>();
      for (const asn of store.asns.keys()) { const n = Number(asn.replace(/^AS/, '')); if (Number.isInteger(n)) numbers.add(n); }
      this.asnRanges = { store, db: asnSubsetDatabase(this.ctx.reference.asnDb, numbers) };
    }
    return this.asnRanges.db;
  }

  /**
   * A domain the profile asked for or connected to (§7.4): exact match, else a listed parent
   * domain. Returns the match (reported or not) so a DNS flow looks its query up once.
   */
  private domain(store: IocStore, domain: string, profileIp: string, fc: FlowContext, x: FlowFacts): DomainMatch | undefined {
    if (!domain || domain.endsWith('.arpa') || domain.endsWith('.local')) return undefined;
    const m = store.lookupDomain(domain);
    if (!m || !this.firstTime(fc.ip, x.ts, `domain|${domain}`)) return m;
    const conf = m.exact ? 1 : 0.7;
    const tags = tagsText(m.info);
    const description = `connection to a blacklisted domain ${domain}. Description: ${m.info.description}, ` +
      `Found in feed: ${m.info.source}, Confidence: ${confText(conf)}. ${tags ? `with tags: ${tags}. ` : ''}`;
    this.emit({ evidence_type: 'THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN', description,
      attacker: ipEntity(profileIp, 'SRC'), victim: domainEntity(domain, 'DST'), profile: profileIp,
      threat_level: m.info.threat_level, confidence: conf, uid: [x.uid], timestamp: x.ts, proto: x.proto, src_port: x.sport, dst_port: x.dport });
    const resolved = this.ctx.dns.ofDomain(domain)?.ips[0];
    if (resolved) {
      this.emit({ evidence_type: 'THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN', description,
        attacker: domainEntity(domain, 'DST'), victim: ipEntity(profileIp, 'SRC'), profile: resolved,
        threat_level: m.info.threat_level, confidence: conf, uid: [x.uid], timestamp: x.ts, proto: x.proto, src_port: x.sport, dst_port: x.dport });
    }
    this.noteHit(profileIp, m.listed, m.info);
    return m;
  }

  private dns(store: IocStore, f: DnsFlow, fc: FlowContext): void {
    const x = this.facts(f, f.proto, f.sport, f.dport);
    const q = f.query;
    const queryMatch = this.domain(store, q, f.saddr, fc, x);
    if (!f.answers.length) return;
    for (const a of f.answers) {
      if (!a || a.startsWith('TXT')) continue;
      const v4 = parseIPv4(a);
      if (v4 === null && !(a.includes(':') && this.ctx.addresses.of(a).valid)) { this.cname(store, a, q, f.saddr, fc, x); continue; }
      const listed = listedAddress(store, a, v4);
      if (listed === null) continue; // private, reserved, ...
      if (queryMatch && this.firstTime(fc.ip, x.ts, `answer-of|${q}|${a}`)) {
        const conf = queryMatch.exact ? 1 : 0.7;
        const tags = tagsText(queryMatch.info);
        const description = `DNS answer of a blacklisted query. Query: ${q}. Answer: ${a}, Description: ${queryMatch.info.description}, ` +
          `Query found in feed: ${queryMatch.info.source}, Confidence: ${confText(conf)}${tags ? `, Tags: ${tags}. ` : ''}`;
        this.emit({ evidence_type: 'THREAT_INTELLIGENCE_ANSWER_OF_BLACKLISTED_QUERY', description,
          attacker: ipEntity(a, 'DST'), victim: ipEntity(f.saddr, 'SRC'), profile: a,
          threat_level: queryMatch.info.threat_level, confidence: conf, uid: [x.uid], timestamp: x.ts, proto: x.proto, src_port: x.sport, dst_port: x.dport });
        this.emit({ evidence_type: 'THREAT_INTELLIGENCE_ANSWER_OF_BLACKLISTED_QUERY', description,
          attacker: ipEntity(f.saddr, 'SRC'), profile: f.saddr,
          threat_level: queryMatch.info.threat_level, confidence: conf, uid: [x.uid], timestamp: x.ts, proto: x.proto, src_port: x.sport, dst_port: x.dport });
      }
      if (listed) {
        if (!this.firstTime(fc.ip, x.ts, `answer|${a}`)) continue;
        const description = `DNS answer with a blacklisted IP: ${a} for query: ${q} Description: ${listed.description} Source: ${listed.source}.`;
        this.emit({ evidence_type: 'THREAT_INTELLIGENCE_BLACKLISTED_DNS_ANSWER', description,
          attacker: ipEntity(a, 'DST'), victim: ipEntity(f.saddr, 'SRC'), profile: a,
          threat_level: listed.threat_level, confidence: 1, uid: [x.uid], timestamp: x.ts, proto: x.proto, src_port: x.sport, dst_port: x.dport });
        this.emit({ evidence_type: 'THREAT_INTELLIGENCE_BLACKLISTED_DNS_ANSWER', description,
          attacker: ipEntity(f.saddr, 'SRC'), victim: ipEntity(a, 'DST'), profile: f.saddr,
          threat_level: listed.threat_level, confidence: 1, uid: [x.uid], timestamp: x.ts, proto: x.proto, src_port: x.sport, dst_port: x.dport });
        this.noteHit(f.saddr, a, listed);
      } else this.asn(store, a, v4, true, f.saddr, fc, x);
    }
  }

  /** A CNAME in a DNS answer is listed (§7.4b). */
  private cname(store: IocStore, cname: string, query: string, profileIp: string, fc: FlowContext, x: FlowFacts): void {
    const m = store.lookupDomain(cname);
    if (!m || !this.firstTime(fc.ip, x.ts, `cname|${cname}`)) return;
    const conf = m.exact ? 1 : 0.7;
    const tags = tagsText(m.info);
    const description = `blacklisted CNAME: ${cname} when resolving ${query} Description: ${m.info.description}, ` +
      `Found in feed: ${m.info.source}, Confidence: ${confText(conf)} ${tags ? `with tags: ${tags}. ` : ''}`;
    this.emit({ evidence_type: 'THREAT_INTELLIGENCE_BLACKLISTED_DNS_ANSWER', description,
      attacker: ipEntity(profileIp, 'SRC'), victim: domainEntity(query, 'DST'), profile: profileIp,
      threat_level: m.info.threat_level, confidence: conf, uid: [x.uid], timestamp: x.ts, proto: x.proto, src_port: x.sport, dst_port: x.dport });
    this.noteHit(profileIp, m.listed, m.info);
  }

  private http(store: IocStore, f: HttpFlow, fc: FlowContext): void {
    const x = this.facts(f, 'tcp', f.sport, f.dport);
    const host = f.host.length > 2 ? f.host : f.daddr;
    if (host === f.host) {
      if (parseIPv4(host) !== null || (host.includes(':') && this.ctx.addresses.of(host).valid)) this.ip(store, host, 'dst', f.saddr, f.daddr, fc, x);
      else this.domain(store, host, f.saddr, fc, x);
    }
    if (!store.hostHasListedUrls(host)) return;
    const url = `http://${host}${f.uri}`;
    const info = store.lookupUrl(url);
    if (!info || !this.firstTime(fc.ip, x.ts, `url|${url}`)) return;
    const tags = tagsText(info);
    const description = `Connecting to a malicious URL ${url}. Detected by: ${info.source}. Description: ${info.description}` +
      `${tags ? `, tags: ${tags}` : ''}. `;
    this.emit({ evidence_type: 'THREAT_INTELLIGENCE_MALICIOUS_URL', description,
      attacker: ipEntity(f.saddr, 'SRC'), victim: { direction: 'DST', ioc_type: 'URL', value: url }, profile: f.saddr,
      threat_level: info.threat_level, confidence: 1, uid: [x.uid], timestamp: x.ts, proto: x.proto, src_port: x.sport, dst_port: x.dport });
    this.emit({ evidence_type: 'THREAT_INTELLIGENCE_MALICIOUS_URL', description,
      attacker: ipEntity(f.daddr, 'DST'), victim: ipEntity(f.saddr, 'SRC'), profile: f.daddr,
      threat_level: info.threat_level, confidence: 1, uid: [x.uid], timestamp: x.ts, proto: x.proto, src_port: x.sport, dst_port: x.dport });
    this.noteHit(f.saddr, url, info);
  }
}
