// flow_alerts, ssl.log part (spec detections §2.3, §21): certificate validation results,
// certificates claiming a well-known organisation, CN/SNI mismatches, pastebin downloads over
// TLS, DNS over HTTPS, and non-TLS connections to 443/tcp.
import type { ConnFlow, Flow, NoticeFlow, SslFlow } from '../../flows/types.js';
import { isConnLike } from '../../flows/types.js';
import type { DetectionContext, Detector, FlowContext } from '../detector.js';
import type { OncePerWindow } from '../window-state.js';
import { getDomain } from 'tldts';
import { dstDomain, dstIp, srcIp } from '../entities.js';
import { ORG_NAMES, type OrgName } from '../../enrich/orgs.js';
import { pyRound2 } from '../../util/py-format.js';
import { BoundedSet } from '../../util/bounded-map.js';
import type { ConnSummary } from '../../profiler/connections.js';
import { PortProtocolCorrelation } from './port-correlation.js';
import { DOH_IPS, isDohHostname } from './doh.js';
import { BoundedMap } from '../../util/bounded-map.js';

/** Seconds of traffic an ssl.log record waits for its conn.log record. */
const CONN_WAIT = 300;
const MAX_WAITING = 50_000;

/** Organisation of a domain according to a registry lookup (whois); none offline. */
export interface DomainOrgSource { orgOf(domain: string): string | undefined }

/** The value of the first `CN=` in a certificate subject, up to the next comma. */
export function commonName(subject: string): string {
  const i = subject.indexOf('CN=');
  if (i < 0) return '';
  const rest = subject.slice(i + 3);
  const comma = rest.indexOf(',');
  return (comma < 0 ? rest : rest.slice(0, comma)).trim();
}

/** True when a certificate name (possibly with `*` wildcards, each matching any text) covers the server name. */
export function cnMatches(cn: string, serverName: string): boolean {
  const pattern = cn.toLowerCase(), name = serverName.toLowerCase();
  if (!pattern.includes('*')) return pattern === name;
  const parts = pattern.split('*');
  const first = parts[0]!, last = parts[parts.length - 1]!;
  if (!name.startsWith(first) || !name.endsWith(last) || name.length < first.length + last.length) return false;
  let at = first.length;
  const end = name.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const j = name.indexOf(parts[i]!, at);
    if (j < 0 || j + parts[i]!.length > end) return false;
    at = j + parts[i]!.length;
  }
  return true;
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const ORG_SUFFIX_WORDS: ReadonlySet<string> = new Set(['llc', 'corp', 'corporation', 'inc', 'ltd', 'org', 'co', 'gmbh', 'sa', 'ag', 'the', 'of', 'and']);

export class SslChecks implements Detector {
  private readonly port443: PortProtocolCorrelation;
  /** Pastebin TLS records waiting for their conn.log record (uid -> record). */
  private readonly waitingForConn = new BoundedMap<string, SslFlow>(MAX_WAITING);
  private readonly waitingOrder: { uid: string; until: number }[] = [];
  private waitingHead = 0;
  /** DoH servers and certificate problems already reported per profile and window. */
  private readonly reported: OncePerWindow;
  /** Connections whose certificate problem was already reported from ssl.log (notice.log repeats it). */
  private readonly certReportedUids = new BoundedSet<string>(100_000);
  /** Organisation of a domain from a registry (whois) source; CN_URL_MISMATCH falls back to the known organisations. */
  domainOrgs: DomainOrgSource | null = null;

  constructor(private readonly ctx: DetectionContext) {
    this.port443 = new PortProtocolCorrelation(443, (app) => app.includes('ssl') || app.includes('tls'), (f) => this.nonSsl443(f));
    this.reported = ctx.oncePerWindow(10_000, 'skip');
  }

  onFlow(flow: Flow, fc: FlowContext): void {
    this.port443.tick(flow.starttime);
    this.expireWaiting(flow.starttime);
    if (isConnLike(flow)) {
      this.port443.onConn(flow, fc.interpretedState === 'Established');
      const waiting = this.waitingForConn.get(flow.uid);
      if (waiting) { this.waitingForConn.delete(flow.uid); this.pastebinWithConn(waiting, this.ctx.connections.get(flow.uid)!); }
      return;
    }
    if (flow.type_ === 'notice') { this.certificateNotice(flow, fc); return; }
    if (flow.type_ !== 'ssl') return;
    if (flow.dport === 443) this.port443.sawProtocol(flow.saddr, flow.daddr, flow.starttime);
    this.certificateValidation(flow, fc);
    this.incompatibleCn(flow);
    this.cnUrlMismatch(flow);
    this.pastebin(flow);
    this.doh(flow, fc);
  }

  private once(fc: FlowContext, key: string): boolean {
    return this.reported.first(fc.ip, fc.tw, key);
  }

  // SELF_SIGNED_CERTIFICATE and other validation failures --------------------------------------
  private certificateValidation(f: SslFlow, fc: FlowContext): void {
    const status = f.validation_status;
    if (!status || status === '-' || status === 'ok') return;
    this.certReportedUids.add(f.uid);
    const sni = f.server_name ? ` SNI: ${f.server_name}.` : '';
    const base = { confidence: 0.5, threat_level: 'low' as const, uid: [f.uid], timestamp: f.starttime, proto: 'tcp',
      src_port: f.sport, dst_port: f.dport };
    if (status.includes('self signed')) {
      const description = `Self-signed certificate. Destination IP: ${f.daddr}.${sni}`;
      const src = this.ctx.emit({ ...base, evidence_type: 'SELF_SIGNED_CERTIFICATE', description, attacker: srcIp(f.saddr), victim: dstIp(f.daddr) });
      this.ctx.emit({ ...base, evidence_type: 'SELF_SIGNED_CERTIFICATE', description, attacker: dstIp(f.daddr), victim: srcIp(f.saddr), profile: f.daddr, rel_id: [src] });
      return;
    }
    // Other validation failures (expired, not yet valid, unknown issuer, ...): once per server and status per window.
    // Validity-period failures are often clock skew of the capture, so they are informational.
    if (!this.once(fc, `cert|${f.daddr}|${status}`)) return;
    const timing = /expired|not yet valid/.test(status);
    this.ctx.emit({ ...base, threat_level: timing ? 'info' : 'low', evidence_type: 'INVALID_CERTIFICATE',
      description: `Invalid certificate (${status}). Destination IP: ${f.daddr}.${sni}`,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr) });
  }

  /** Zeek's SSL notices (invalid, expired, not yet valid certificates) for connections ssl.log did not cover. */
  private certificateNotice(f: NoticeFlow, fc: FlowContext): void {
    const kinds = ['SSL::Invalid_Server_Cert', 'SSL::Certificate_Expired', 'SSL::Certificate_Not_Valid_Yet'];
    if (!kinds.some((k) => f.note.includes(k)) || this.certReportedUids.has(f.uid)) return;
    if (!f.daddr || f.daddr === f.saddr) return;
    const base = { confidence: 0.5, threat_level: 'low' as const, uid: [f.uid], timestamp: f.starttime, proto: 'tcp',
      ...(f.dport ? { dst_port: f.dport } : {}) };
    if (f.msg.includes('self signed')) {
      const description = `Self-signed certificate. Destination IP: ${f.daddr}.`;
      const src = this.ctx.emit({ ...base, evidence_type: 'SELF_SIGNED_CERTIFICATE', description, attacker: srcIp(f.saddr), victim: dstIp(f.daddr) });
      this.ctx.emit({ ...base, evidence_type: 'SELF_SIGNED_CERTIFICATE', description, attacker: dstIp(f.daddr), victim: srcIp(f.saddr), profile: f.daddr, rel_id: [src] });
      return;
    }
    if (!this.once(fc, `cert|${f.daddr}|${f.note}`)) return;
    this.ctx.emit({ ...base, evidence_type: 'INVALID_CERTIFICATE',
      description: `Invalid certificate (${f.msg}). Destination IP: ${f.daddr}.`, attacker: srcIp(f.saddr), victim: dstIp(f.daddr) });
  }

  // INCOMPATIBLE_CN ----------------------------------------------------------------------------
  private incompatibleCn(f: SslFlow): void {
    if (!f.subject) return;
    const subject = f.subject.toLowerCase();
    let claimed: OrgName | null = null;
    for (const org of ORG_NAMES) {
      if (!subject.includes(org)) continue;
      if (this.ctx.reference.orgs.ofIp(f.daddr) === org || (f.server_name && this.ctx.reference.orgs.ofDomain(f.server_name) === org)) return;
      claimed = org;
    }
    if (!claimed) return;
    this.ctx.emit({
      evidence_type: 'INCOMPATIBLE_CN',
      description: `Incompatible certificate CN to IP: ${f.daddr} domain: ${f.server_name}. The certificate is claiming to belong to ${capitalise(claimed)}.`,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr), threat_level: 'medium', confidence: 0.9,
      uid: [f.uid], timestamp: f.starttime, proto: 'tcp', src_port: f.sport, dst_port: f.dport,
    });
  }

  // CN_URL_MISMATCH ----------------------------------------------------------------------------
  private sameOrganisation(a: string, b: string): boolean | undefined {
    const orgA = this.domainOrgs?.orgOf(a) ?? this.ctx.reference.orgs.ofDomain(a) ?? undefined;
    const orgB = this.domainOrgs?.orgOf(b) ?? this.ctx.reference.orgs.ofDomain(b) ?? undefined;
    if (!orgA || !orgB) return undefined;
    if (orgA.toLowerCase() === orgB.toLowerCase()) return true;
    const words = (s: string): string[] => s.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w && !ORG_SUFFIX_WORDS.has(w));
    const wb = new Set(words(orgB));
    return words(orgA).some((w) => wb.has(w));
  }

  private cnUrlMismatch(f: SslFlow): void {
    const sni = f.server_name;
    const cn = commonName(f.subject);
    if (!sni || !cn || cnMatches(cn, sni)) return;
    const regA = getDomain(cn.replace(/^\*\./, '')), regB = getDomain(sni);
    if (regA && regA === regB) return;
    // Without organisation facts for both names nothing is reported (as the original without whois).
    if (this.sameOrganisation(cn.replace(/^\*\./, ''), sni) !== false) return;
    const description = `a CN mismatch. The common name (CN) '${cn}' in the SSL certificate for the domain '${sni}' does not match the server's domain.`;
    const base = { evidence_type: 'CN_URL_MISMATCH' as const, description, confidence: 0.8, uid: [f.uid],
      timestamp: f.starttime, proto: 'tcp', src_port: f.sport, dst_port: f.dport };
    const src = this.ctx.emit({ ...base, attacker: srcIp(f.saddr), victim: dstDomain(sni), threat_level: 'low' });
    this.ctx.emit({ ...base, attacker: dstDomain(sni), victim: srcIp(f.saddr), profile: f.daddr, threat_level: 'medium', rel_id: [src] });
  }

  // PASTEBIN_DOWNLOAD (TLS) --------------------------------------------------------------------
  private pastebin(f: SslFlow): void {
    if (!f.server_name.includes('pastebin')) return;
    const conn = this.ctx.connections.get(f.uid);
    if (conn) { this.pastebinWithConn(f, conn); return; }
    this.waitingForConn.set(f.uid, f);
    this.waitingOrder.push({ uid: f.uid, until: f.starttime + CONN_WAIT });
  }

  private expireWaiting(now: number): void {
    const q = this.waitingOrder;
    while (this.waitingHead < q.length && q[this.waitingHead]!.until < now) this.waitingForConn.delete(q[this.waitingHead++]!.uid);
    if (this.waitingHead > 1024 && this.waitingHead * 2 > q.length) { q.splice(0, this.waitingHead); this.waitingHead = 0; }
  }

  private pastebinWithConn(f: SslFlow, conn: ConnSummary): void {
    if (conn.dbytes < this.ctx.settings.pastebinDownloadThreshold) return;
    this.ctx.emit({
      evidence_type: 'PASTEBIN_DOWNLOAD',
      description: `A downloaded file from pastebin.com. size: ${pyRound2(conn.dbytes / 1e6)} MBs`,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr), threat_level: 'info', confidence: 1,
      uid: [f.uid], timestamp: f.starttime, proto: 'tcp', src_port: f.sport, dst_port: f.dport,
    });
  }

  // DNS over HTTPS -----------------------------------------------------------------------------
  private doh(f: SslFlow, fc: FlowContext): void {
    const isDoh = f.is_DoH || (f.server_name && isDohHostname(f.server_name)) || (f.dport === 443 && DOH_IPS.has(f.daddr));
    if (!isDoh) return;
    this.ctx.facts.dohServers.add(f.daddr);
    if (!this.once(fc, `doh|${f.daddr}`)) return;
    this.ctx.emit({
      evidence_type: 'DNS_OVER_HTTPS',
      description: `using DNS over HTTPs. DNS server: ${f.daddr} `,
      attacker: dstIp(f.daddr), victim: srcIp(f.saddr), profile: f.daddr, threat_level: 'info', confidence: 0.9,
      uid: [f.uid], timestamp: f.starttime, proto: 'tcp', src_port: f.sport, dst_port: f.dport,
    });
  }

  // NON_SSL_PORT_443_CONNECTION ----------------------------------------------------------------
  private nonSsl443(f: ConnFlow): void {
    this.ctx.emit({
      evidence_type: 'NON_SSL_PORT_443_CONNECTION',
      description: `non-SSL established connection to port 443. destination IP: ${f.daddr}`,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr), threat_level: 'medium', confidence: 0.8,
      uid: [f.uid], timestamp: f.starttime, proto: 'tcp', src_port: f.sport, dst_port: f.dport,
    });
  }



  onEnd(): void { this.port443.finish(); }
}
