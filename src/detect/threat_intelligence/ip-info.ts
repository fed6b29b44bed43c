// ip_info: what is known about each profile, gathered offline from the traffic and the shipped
// databases (spec core §2.4 "profile" hash, detections §9): MAC and vendor, host name, IPv4/IPv6
// twins, user agents, OS and browser, software, DHCP server / gateway flags, ASN, organisation,
// country, rDNS, SNIs, passive DNS, certificates, threat-intelligence hits and the threat level of
// each closed time window. Stored in `ProfileState.info` (written to flows.sqlite `profiles`).
import type { Flow, HttpFlow, SoftwareFlow } from '../../flows/types.js';
import type { DetectionContext, Detector } from '../detector.js';
import type { ProfileState } from '../../store/store.js';
import { isRandomisedMac } from '../../enrich/mac-vendor.js';
import { ipFacts } from '../../util/ip.js';

const MAX_USER_AGENTS = 10;
const MAX_SOFTWARE = 32;
const MAX_HISTORY = 100;

export interface TimewindowThreat {
  timewindow: number;
  threat_level: string;
  confidence: number;
  accumulated_threat_level: number;
  evidence: number;
  alerts: number;
}

export class IpInfo implements Detector {

  constructor(private readonly ctx: DetectionContext) {}

  onFlow(flow: Flow): void {
    if (flow.type_ === 'http') this.userAgent(flow);
    else if (flow.type_ === 'software') this.software(flow);
  }

  private userAgent(f: HttpFlow): void {
    const ua = f.user_agent;
    if (!ua || ua === '-') return;
    const p = this.ctx.store.profile(f.saddr);
    if (!p) return;
    const info = p.info;
    if (info['first user-agent'] === undefined) info['first user-agent'] = ua;
    const past = (info.past_user_agents ??= []) as string[];
    if (!past.includes(ua)) {
      // OS and browser from the first user agent that names them ("Microsoft NCSI" names neither).
      if (info.OS === undefined || info.browser === undefined) {
        const parsed = this.ctx.reference.userAgents.parse(ua);
        if (parsed.os_type && info.OS === undefined) info.OS = parsed.os_type;
        if (parsed.browser && info.browser === undefined) info.browser = parsed.browser;
      }
      info.user_agents_count = ((info.user_agents_count as number | undefined) ?? 0) + 1;
      if (past.length >= MAX_USER_AGENTS) past.shift();
      past.push(ua);
    }
  }

  /** First version of each software wins, as the original. */
  private software(f: SoftwareFlow): void {
    const p = this.ctx.store.profile(f.saddr);
    if (!p) return;
    const used = (p.info.used_software ??= {}) as Record<string, unknown>;
    const name = f.software_name || f.software;
    if (!name || name in used || Object.keys(used).length >= MAX_SOFTWARE) return;
    used[name] = { 'version-major': f.version_major, 'version-minor': f.version_minor, uid: f.uid, type: f.software };
  }

  onTimewindowClosed(ip: string, tw: number): void {
    const w = this.ctx.store.timewindow(ip, tw);
    const p = this.ctx.store.profile(ip);
    if (!w || !p || w.evidenceCount === 0) return;
    const history = (p.info.threat_level_history ??= []) as TimewindowThreat[];
    if (history.length >= MAX_HISTORY) history.shift();
    history.push({ timewindow: tw, threat_level: p.threatLevel, confidence: p.confidence,
      accumulated_threat_level: Math.round(w.accumulated * 1000) / 1000, evidence: w.evidenceCount, alerts: w.alerts });
  }

  onEnd(): void {
    const net = this.ctx.network;
    for (const ip of net.dhcpServers) { const p = this.ctx.store.profile(ip); if (p) p.info.dhcp = true; }
    if (net.gatewayIp) { const p = this.ctx.store.profile(net.gatewayIp); if (p) p.info.gateway = true; }
  }

  /** The facts cheapest to compute once per profile, when its row is written. */
  describeProfile(p: ProfileState): void {
    const info = p.info;
    const f = this.ctx.addresses.of(p.ip);
    if (f.version === 4 || f.version === 6) {
      const own = f.version === 4 ? 'IPv4' : 'IPv6';
      const other = f.version === 4 ? 'IPv6' : 'IPv4';
      info[own] = [p.ip];
      if (p.mac) {
        const twins = this.ctx.network.ipsOfMac(p.mac).filter((x) => x !== p.ip && this.ctx.addresses.of(x).version !== f.version);
        if (twins.length) info[other] = [...twins];
      }
    }
    if (p.mac) {
      info.MAC = p.mac;
      const vendor = isRandomisedMac(p.mac) ? null : this.ctx.reference.macs.vendor(p.mac);
      if (vendor) info.MAC_vendor = vendor;
    }
    if (p.hostname) info.host_name = p.hostname;
    const as = this.ctx.reference.asn(p.ip);
    if (as) info.asn = { number: as.number, org: as.org };
    const country = this.ctx.reference.country(p.ip);
    if (country) info.geocountry = country.name;
    else if (f.private) info.geocountry = 'Private';
    const rdns = this.ctx.facts.rdns(p.ip);
    if (rdns) info.reverse_dns = rdns;
    const snis = this.ctx.facts.snis(p.ip);
    if (snis) info.SNI = [...snis];
    const certs = this.ctx.facts.certificates(p.ip);
    if (certs) info.certificates = [...certs];
    const passive = this.ctx.dns.ofIp(p.ip);
    if (passive) info.passive_dns = [...passive.domains];
  }
}
