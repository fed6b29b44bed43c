// Suricata eve.json (one JSON object per line) -> typed flows (spec core §1.7.1).
// flow, dns, http, tls, ssh and fileinfo events become the flows Zeek logs would give;
// alert events become AlertFlow (SURICATA_ALERT evidence); other event types are ignored.
import type { AlertFlow, ConnFlow, DnsFlow, FilesFlow, Flow, HttpFlow, SshFlow, SslFlow } from '../flows/types.js';
import { parseWallClock, UTC } from './wallclock.js';
import type { LineParser } from './line-reader.js';
import { parseDecimal } from '../util/numbers.js';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Json : null);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');
// Absent is 0; a value that is not a (decimal) number is NaN, which the flow check rejects.
const num = (v: unknown): number => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim() === '' ? 0 : parseDecimal(v.trim());
  return v === undefined || v === null ? 0 : NaN;
};

/** Suricata times carry their offset ("2021-06-06T15:59:46.457984+0200"); zone-less ones are taken as UTC. */
export function suricataTime(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return NaN;
  return parseWallClock(v, UTC);
}

/** "TLS 1.2" -> "TLSv12", the spelling of Zeek's ssl.log that detections compare against. */
function tlsVersion(v: string): string {
  const m = /^TLS ?v?(\d)\.(\d)$/i.exec(v.trim());
  return m ? `TLSv${m[1]}${m[2]}` : v;
}

/** Every answer of a DNS event: v2 `grouped` (CNAME first, as Zeek lists the chain), `answers`, or v1 `rdata`. */
function dnsAnswers(dns: Json): { answers: string[]; ttls: number[] } {
  const answers: string[] = [], ttls: number[] = [];
  const list = Array.isArray(dns.answers) ? dns.answers : null;
  if (list) {
    for (const a of list) {
      const o = obj(a);
      if (!o) continue;
      const rdata = str(o.rdata);
      if (rdata) { answers.push(rdata); ttls.push(num(o.ttl)); }
    }
  } else if (obj(dns.grouped)) {
    const g = dns.grouped as Json;
    const types = Object.keys(g).sort((a, b) => (a === 'CNAME' ? -1 : b === 'CNAME' ? 1 : 0));
    for (const t of types) {
      const vals = g[t];
      if (Array.isArray(vals)) for (const x of vals) { const s = typeof x === 'string' ? x : str(obj(x)?.rdata ?? ''); if (s) answers.push(s); }
    }
  } else if (dns.rdata !== undefined) {
    const rdata = str(dns.rdata);
    if (rdata) { answers.push(rdata); ttls.push(num(dns.ttl)); }
  }
  return { answers, ttls };
}

export class SuricataParser implements LineParser {
  /** Records without a flow_id get a uid of their own. */
  private anonymous = 0;

  parse(line: string): Flow | string | null {
    const trimmed = line.trim();
    if (!trimmed) return null;
    let v: unknown;
    try { v = JSON.parse(trimmed); } catch (e) { return `invalid JSON: ${(e as Error).message}`; }
    const ev = obj(v);
    if (!ev) return 'eve.json line is not a JSON object';
    const type = ev.event_type;
    if (typeof type !== 'string') return 'eve.json record has no "event_type"';
    switch (type) {
      case 'flow': case 'dns': case 'http': case 'tls': case 'ssh': case 'fileinfo': case 'alert': break;
      default: return null; // stats, anomaly, netflow, drop, ...: nothing Slips analyses
    }
    const ts = suricataTime(ev.timestamp);
    if (!Number.isFinite(ts)) return `invalid "timestamp" ${JSON.stringify(ev.timestamp)}`;
    // flow_id is a 64-bit integer: take its digits from the text, JSON numbers lose precision above 2^53.
    const idMatch = /"flow_id"\s*:\s*"?(\d+)/.exec(trimmed);
    const base = {
      starttime: ts,
      uid: idMatch ? idMatch[1]! : str(ev.flow_id) || `suricata-${++this.anonymous}`,
      saddr: str(ev.src_ip),
      daddr: str(ev.dest_ip),
      interface: str(ev.in_iface) || 'default',
      flow_source: 'suricata' as const,
      ground_truth_label: '',
      detailed_ground_truth_label: '',
    };
    const sport = num(ev.src_port), dport = num(ev.dest_port);
    const proto = str(ev.proto).toLowerCase();
    const appproto = str(ev.app_proto);
    switch (type) {
      case 'flow': {
        const f = obj(ev.flow);
        if (!f) return 'flow event without a "flow" object';
        const start = f.start !== undefined ? suricataTime(f.start) : ts;
        if (!Number.isFinite(start)) return `invalid "flow.start" ${JSON.stringify(f.start)}`;
        const endRaw = f.end !== undefined ? suricataTime(f.end) : start;
        const end = Number.isFinite(endRaw) && endRaw >= start ? endRaw : start;
        const spkts = num(f.pkts_toserver), dpkts = num(f.pkts_toclient);
        const sbytes = num(f.bytes_toserver), dbytes = num(f.bytes_toclient);
        const state = str(f.state);
        const flow: ConnFlow = {
          type_: 'conn', ...base, starttime: start, sport, dport, proto, appproto,
          dur: end - start, sbytes, dbytes, spkts, dpkts, state, history: '', smac: '', dmac: '',
          endtime: end, pkts: spkts + dpkts, bytes: sbytes + dbytes, state_hist: state, dir_: '->',
        };
        return flow;
      }
      case 'dns': {
        const d = obj(ev.dns);
        if (!d) return 'dns event without a "dns" object';
        // A transaction is logged as a query event and an answer event; the answer carries
        // everything (query name, type, rcode, answers), so one DNS flow per transaction, as Zeek.
        if (d.type === 'query' || d.type === 'request') return null;
        const { answers, ttls } = dnsAnswers(d);
        const flow: DnsFlow = {
          type_: 'dns', ...base, sport, dport, proto,
          query: str(d.rrname), qclass_name: '', qtype_name: str(d.rrtype), rcode_name: str(d.rcode),
          answers, TTLs: ttls,
        };
        return flow;
      }
      case 'http': {
        const h = obj(ev.http);
        if (!h) return 'http event without an "http" object';
        const mime = str(h.http_content_type);
        const flow: HttpFlow = {
          type_: 'http', ...base, sport, dport,
          method: str(h.http_method), host: str(h.hostname), uri: str(h.url), version: str(h.protocol),
          user_agent: str(h.http_user_agent), request_body_len: num(h.request_body_len),
          response_body_len: num(h.length), status_code: str(h.status), status_msg: '',
          resp_mime_types: mime ? [mime] : [], resp_fuids: [],
        };
        return flow;
      }
      case 'tls': {
        const t = obj(ev.tls);
        if (!t) return 'tls event without a "tls" object';
        const ja3 = str(obj(t.ja3)?.hash), ja3s = str(obj(t.ja3s)?.hash);
        const nb = t.notbefore !== undefined ? suricataTime(t.notbefore) : NaN;
        const na = t.notafter !== undefined ? suricataTime(t.notafter) : NaN;
        const fp = str(t.fingerprint);
        const flow: SslFlow = {
          type_: 'ssl', ...base, sport, dport, proto: proto || 'tcp',
          version: tlsVersion(str(t.version)), cipher: '', resumed: Boolean(t.session_resumed),
          // Suricata logs the TLS event once it saw the server's side of the handshake.
          established: Boolean(str(t.subject) || ja3s || fp),
          cert_chain_fuids: fp ? [fp] : [], client_cert_chain_fuids: [],
          subject: str(t.subject), issuer: str(t.issuerdn), server_name: str(t.sni), validation_status: '',
          curve: '', ja3, ja3s, is_DoH: false,
          not_valid_before: Number.isFinite(nb) ? nb : null, not_valid_after: Number.isFinite(na) ? na : null,
        };
        return flow;
      }
      case 'ssh': {
        const s = obj(ev.ssh);
        if (!s) return 'ssh event without an "ssh" object';
        const client = obj(s.client) ?? {}, server = obj(s.server) ?? {};
        const flow: SshFlow = {
          type_: 'ssh', ...base, sport, dport,
          version: str(client.proto_version), auth_success: null, auth_attempts: 0,
          client: str(client.software_version), server: str(server.software_version),
          cipher_alg: '', mac_alg: '', compression_alg: '', kex_alg: '', host_key_alg: '', host_key: '',
        };
        return flow;
      }
      case 'fileinfo': {
        const fi = obj(ev.fileinfo);
        if (!fi) return 'fileinfo event without a "fileinfo" object';
        // Suricata gives a file's addresses in the direction it travelled: src sends, dest receives.
        const flow: FilesFlow = {
          type_: 'files', ...base,
          uid: fi.file_id !== undefined ? `${base.uid}-${str(fi.file_id)}` : base.uid,
          tx_hosts: base.saddr ? [base.saddr] : [], rx_hosts: base.daddr ? [base.daddr] : [],
          source: appproto.toUpperCase(), analyzers: [], mime_type: str(fi.magic),
          md5: str(fi.md5), sha1: str(fi.sha1), sha256: str(fi.sha256), size: num(fi.size),
        };
        return flow;
      }
      case 'alert': {
        const a = obj(ev.alert);
        if (!a) return 'alert event without an "alert" object';
        // Rules with a `target` keyword say which side attacks; otherwise the packet's source.
        const source = obj(a.source), target = obj(a.target);
        const attacker = str(source?.ip), victim = str(target?.ip);
        const flow: AlertFlow = {
          type_: 'alert', ...base,
          saddr: attacker || base.saddr, daddr: victim || (attacker && attacker === base.daddr ? base.saddr : base.daddr),
          sport: attacker && attacker === base.daddr ? dport : sport, dport: attacker && attacker === base.daddr ? sport : dport,
          proto, appproto,
          signature: str(a.signature), signature_id: num(a.signature_id), rev: num(a.rev), gid: num(a.gid),
          category: str(a.category), severity: num(a.severity) || 3, action: str(a.action),
        };
        return flow;
      }
    }
    return null;
  }
}
