// http_analyzer (spec detections §6): suspicious and changing user agents, user agents that do
// not fit the device's MAC vendor, empty connections to search engines, executable downloads,
// pastebin downloads, plain HTTP, unknown HTTP methods (weird.log) and non-HTTP traffic on 80/tcp.
import type { ConnFlow, Flow, HttpFlow, WeirdFlow } from '../../flows/types.js';
import { isConnLike } from '../../flows/types.js';
import type { DetectionContext, Detector, FlowContext } from '../detector.js';
import type { OncePerWindow } from '../window-state.js';
import { ipFacts } from '../../util/ip.js';
import { dstIp, srcIp } from '../entities.js';
import type { UserAgentInfo } from '../../enrich/user-agent.js';
import { pyList, pyRound2 } from '../../util/py-format.js';
import type { ConnSummary } from '../../profiler/connections.js';
import { PortProtocolCorrelation } from '../flow_alerts/port-correlation.js';
import { BoundedMap } from '../../util/bounded-map.js';

/** Substrings of user agents used by known malware and exploit kits; `pb` must be a whole word. */
const SUSPICIOUS_UA = [/httpsend/i, /chm_msdn/i, /(^|[^a-z0-9])pb([^a-z0-9]|$)/i, /jndi/i, /tesseract/i];
const EMPTY_CONNECTION_HOSTS = ['bing.com', 'google.com', 'yandex.com', 'yahoo.com', 'duckduckgo.com', 'gmail.com'];
const EMPTY_CONNECTIONS = 4;
export const EXECUTABLE_MIME_TYPES: ReadonlySet<string> = new Set(['application/x-msdownload', 'application/x-ms-dos-executable',
  'application/x-ms-exe', 'application/x-exe', 'application/x-winexe', 'application/x-winhlp', 'application/x-winhelp',
  'application/octet-stream', 'application/x-dosexec']);
const OS_GROUPS: [string, string[]][] = [
  ['apple', ['macos', 'ios', 'apple', 'os x', 'mac', 'macintosh', 'darwin']],
  ['microsoft', ['microsoft', 'windows', 'nt']],
  ['android', ['android', 'google']],
];
const MAX_PROFILES = 200_000;

/** A loop, not some(): a closure per http record costs (tsx names every closure it creates). */
function hasExecutableMime(types: readonly string[]): boolean {
  for (const m of types) if (EXECUTABLE_MIME_TYPES.has(m)) return true;
  return false;
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();

export class HttpAnalyzer implements Detector {
  private readonly port80: PortProtocolCorrelation;
  /** Empty GET / per search-engine host (global, as the original). */
  private readonly empty = new Map<string, string[]>();
  /** First user agent of each profile. */
  private readonly firstUa = new BoundedMap<string, UserAgentInfo>(MAX_PROFILES);
  /** User agents already reported as a change, and whether INCOMPATIBLE_USER_AGENT fired, per profile and window. */
  private readonly reported: OncePerWindow;
  private readonly weirdWaiting = new BoundedMap<string, WeirdFlow>(10_000);

  constructor(private readonly ctx: DetectionContext) {
    this.port80 = new PortProtocolCorrelation(80, (app) => app.includes('http'), (f) => this.nonHttp80(f));
    this.reported = ctx.oncePerWindow(1000, 'skip');
  }

  onFlow(flow: Flow, fc: FlowContext): void {
    this.port80.tick(flow.starttime);
    if (isConnLike(flow)) {
      this.port80.onConn(flow, fc.interpretedState === 'Established');
      const w = this.weirdWaiting.size === 0 ? undefined : this.weirdWaiting.get(flow.uid);
      if (w) { this.weirdWaiting.delete(flow.uid); this.weirdWithConn(w, this.ctx.connections.get(flow.uid)!); }
      return;
    }
    if (flow.type_ === 'weird') { this.weird(flow); return; }
    if (flow.type_ !== 'http') return;
    if (flow.dport === 80) this.port80.sawProtocol(flow.saddr, flow.daddr, flow.starttime);
    this.suspiciousUserAgent(flow);
    this.emptyConnections(flow);
    const first = this.userAgents(flow, fc);
    this.executableMime(flow);
    if (first) this.incompatibleUserAgent(flow, fc, first);
    this.pastebin(flow);
    this.httpTraffic(flow);
  }

  private once(fc: FlowContext, key: string): boolean {
    return this.reported.first(fc.ip, fc.tw, key);
  }

  private base(f: HttpFlow) {
    return { uid: [f.uid], timestamp: f.starttime, proto: 'tcp', src_port: f.sport, dst_port: f.dport };
  }

  /** The last user agent tested and its verdict: most records repeat the previous agent. */
  private lastUa = '';
  private lastUaSuspicious = false;

  private suspiciousUserAgent(f: HttpFlow): void {
    const ua = f.user_agent;
    if (!ua) return;
    if (ua !== this.lastUa) { this.lastUa = ua; this.lastUaSuspicious = SUSPICIOUS_UA.some((re) => re.test(ua)); }
    if (!this.lastUaSuspicious) return;
    this.ctx.emit({ ...this.base(f), evidence_type: 'SUSPICIOUS_USER_AGENT',
      description: `Suspicious user-agent: ${ua} while connecting to ${f.host}${f.uri}`,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr), threat_level: 'high', confidence: 1 });
  }

  private emptyConnections(f: HttpFlow): void {
    if (f.uri !== '/' || f.request_body_len !== 0 || !f.host) return;
    const host = f.host.toLowerCase();
    const canonical = EMPTY_CONNECTION_HOSTS.find((h) => host === h || host === `www.${h}`);
    if (!canonical) return;
    const uids = this.empty.get(canonical) ?? [];
    uids.push(f.uid);
    this.empty.set(canonical, uids);
    if (uids.length < EMPTY_CONNECTIONS) return;
    this.empty.set(canonical, []);
    this.ctx.emit({ ...this.base(f), uid: uids, evidence_type: 'EMPTY_CONNECTIONS',
      description: `Multiple empty HTTP connections to ${canonical}`,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr), threat_level: 'medium', confidence: 1 });
  }

  /** Remembers the profile's first user agent; reports a later one of another operating system. */
  private userAgents(f: HttpFlow, fc: FlowContext): UserAgentInfo | undefined {
    const ua = f.user_agent;
    const first = this.firstUa.get(fc.ip);
    if (!ua) return first;
    if (!first) { const info = this.ctx.reference.userAgents.parse(ua); this.firstUa.set(fc.ip, info); return info; }
    if (ua === first.user_agent) return first;
    const now = this.ctx.reference.userAgents.parse(ua);
    // Both must name an operating system, and different ones (the original compared substrings, so
    // agents of unknown systems never counted and mobile agents were misread).
    if (!first.os_name || !now.os_name || first.os_name === now.os_name) return first;
    if (!this.once(fc, `ua|${ua}`)) return first;
    this.ctx.emit({ ...this.base(f), evidence_type: 'MULTIPLE_USER_AGENT',
      description: `Using multiple user-agents: "${first.user_agent}" then "${ua}"`,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr), threat_level: 'info', confidence: 1 });
    return first;
  }

  private executableMime(f: HttpFlow): void {
    if (!hasExecutableMime(f.resp_mime_types)) return;
    const description = `Download of an executable with MIME type: ${pyList(f.resp_mime_types)} by ${f.saddr} from ${f.daddr}.`;
    const src = this.ctx.emit({ ...this.base(f), evidence_type: 'EXECUTABLE_MIME_TYPE', description,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr), threat_level: 'low', confidence: 1 });
    this.ctx.emit({ ...this.base(f), evidence_type: 'EXECUTABLE_MIME_TYPE', description,
      attacker: dstIp(f.daddr), victim: srcIp(f.saddr), profile: f.daddr, threat_level: 'low', confidence: 1, rel_id: [src] });
  }

  private incompatibleUserAgent(f: HttpFlow, fc: FlowContext, ua: UserAgentInfo): void {
    if (!this.ctx.addresses.of(fc.ip).private) return;
    const mac = this.ctx.store.profile(fc.ip)?.mac;
    if (!mac) return;
    const vendor = this.ctx.reference.macs.vendor(mac);
    if (!vendor) return;
    const v = vendor.toLowerCase();
    const osText = `${ua.os_name} ${ua.os_type}`.toLowerCase();
    let incompatible = ua.browser.toLowerCase().includes('safari') && !v.includes('apple');
    if (!incompatible) {
      const group = OS_GROUPS.find(([, words]) => words.some((w) => v.includes(w)));
      if (group) incompatible = OS_GROUPS.some(([name, words]) => name !== group[0] && words.some((w) => osText.includes(w)));
    }
    if (!incompatible || !this.once(fc, `incompatible|${ua.user_agent}`)) return;
    this.ctx.emit({ ...this.base(f), evidence_type: 'INCOMPATIBLE_USER_AGENT',
      description: `using incompatible user-agent (${ua.user_agent}) that belongs to OS: ${ua.os_name.toLowerCase()} type: ${ua.os_type.toLowerCase()} browser: ${ua.browser.toLowerCase()}. while connecting to ${f.host}${f.uri}. IP has MAC vendor: ${capitalise(vendor)}`,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr), threat_level: 'high', confidence: 1 });
  }

  private pastebin(f: HttpFlow): void {
    if (f.method !== 'GET' || !(f.response_body_len > this.ctx.settings.pastebinDownloadThreshold)) return;
    const names = [f.host, this.ctx.facts.lastSni(f.daddr) ?? '', ...(this.ctx.dns.ofIp(f.daddr)?.domains ?? [])];
    if (!names.some((n) => n.toLowerCase().includes('pastebin'))) return;
    this.ctx.emit({ ...this.base(f), evidence_type: 'PASTEBIN_DOWNLOAD',
      description: `A downloaded file from pastebin.com. Size: ${pyRound2(f.response_body_len / 1e6)} MBs`,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr), threat_level: 'info', confidence: 1 });
  }

  /** Every http.log record (as the original): built directly, without the spread of base(). */
  private httpTraffic(f: HttpFlow): void {
    this.ctx.emit({ evidence_type: 'HTTP_TRAFFIC',
      description: `Unencrypted HTTP traffic from ${f.saddr} to ${f.daddr}.`,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr), threat_level: 'info', confidence: 1,
      uid: [f.uid], timestamp: f.starttime, proto: 'tcp', src_port: f.sport, dst_port: f.dport });
  }

  private weird(f: WeirdFlow): void {
    if (!f.name.includes('unknown_HTTP_method')) return;
    const conn = this.ctx.connections.get(f.uid);
    if (conn) this.weirdWithConn(f, conn);
    else if (f.uid) this.weirdWaiting.set(f.uid, f);
  }

  private weirdWithConn(f: WeirdFlow, conn: ConnSummary): void {
    this.ctx.emit({ evidence_type: 'WEIRD_HTTP_METHOD',
      description: `Weird HTTP method ${f.addl} to IP: ${conn.daddr}. by Zeek.`,
      attacker: srcIp(conn.saddr), victim: dstIp(conn.daddr), threat_level: 'medium', confidence: 0.9,
      uid: [f.uid], timestamp: f.starttime, proto: conn.proto, src_port: conn.sport, dst_port: conn.dport });
  }

  private nonHttp80(f: ConnFlow): void {
    const base = { evidence_type: 'NON_HTTP_PORT_80_CONNECTION' as const, confidence: 0.8, uid: [f.uid],
      timestamp: f.starttime, proto: 'tcp', src_port: f.sport, dst_port: f.dport };
    const src = this.ctx.emit({ ...base, description: `non-HTTP established connection to port 80. destination IP: ${f.daddr}`,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr), threat_level: 'low' });
    this.ctx.emit({ ...base, description: `non-HTTP established connection to port 80. from IP: ${f.saddr}`,
      attacker: dstIp(f.daddr), victim: srcIp(f.saddr), profile: f.daddr, threat_level: 'medium', rel_id: [src] });
  }



  onEnd(): void { this.port80.finish(); }
}
