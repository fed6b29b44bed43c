// Zeek record (JSON object, or TSV line typed by #types) -> typed Slips flow.
import type { ZeekRecord, ZeekValue } from '../input/zeek.js';
import type { Flow, ConnFlow, SslFlow } from './types.js';
import { parseDecimal } from '../util/numbers.js';

const str = (v: ZeekValue | undefined): string =>
  v === null || v === undefined || v === '-' ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
// Unset is 0 (or null); anything that is not a decimal number is NaN, which the flow check rejects.
const num = (v: ZeekValue | undefined): number => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '' && v !== '-') return parseDecimal(v);
  return v === null || v === undefined || v === '' || v === '-' ? 0 : NaN;
};
const numOrNull = (v: ZeekValue | undefined): number | null => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v !== '' && v !== '-') return parseDecimal(v);
  return v === null || v === undefined || v === '' || v === '-' ? null : NaN;
};
const list = (v: ZeekValue | undefined): string[] =>
  Array.isArray(v) ? v.map((x) => str(x)) : v === null || v === undefined || v === '' || v === '-' ? [] : [str(v)];
const bool = (v: ZeekValue | undefined): boolean => v === true || v === 'T' || v === 'true' || v === 1 || v === '1' || v === 't';
const boolOrNull = (v: ZeekValue | undefined): boolean | null => (v === null || v === undefined || v === '-' || v === '' ? null : bool(v));

function base(rec: ZeekRecord, ts: number, iface: string) {
  return {
    starttime: ts,
    uid: str(rec.uid),
    saddr: str(rec['id.orig_h']),
    daddr: str(rec['id.resp_h']),
    interface: iface,
    flow_source: 'zeek' as const,
    ground_truth_label: str(rec.label),
    detailed_ground_truth_label: str(rec.detailedlabel),
  };
}

export function mapConn(rec: ZeekRecord, ts: number, iface: string): ConnFlow {
  const dur = num(rec.duration), sbytes = num(rec.orig_bytes), dbytes = num(rec.resp_bytes);
  const spkts = num(rec.orig_pkts), dpkts = num(rec.resp_pkts);
  const proto = str(rec.proto);
  const state = str(rec.conn_state), history = str(rec.history);
  return {
    type_: 'conn', ...base(rec, ts, iface),
    sport: num(rec['id.orig_p']), dport: num(rec['id.resp_p']),
    proto: proto === 'unknown_transport' ? '' : proto,
    appproto: str(rec.service),
    dur, sbytes, dbytes, spkts, dpkts, state, history,
    smac: str(rec.orig_l2_addr), dmac: str(rec.resp_l2_addr),
    endtime: ts + dur, pkts: spkts + dpkts, bytes: sbytes + dbytes,
    state_hist: history || state, dir_: '->',
  };
}

/** Certificate facts from x509.log, used to complete ssl records that lack them. */
export interface CertInfo { subject: string; issuer: string; notBefore: number | null; notAfter: number | null }

export function certInfoFromX509(rec: ZeekRecord): [string, CertInfo] | null {
  const id = str(rec.id) || str(rec.fuid) || str(rec.fingerprint);
  if (!id) return null;
  return [id, {
    subject: str(rec['certificate.subject']), issuer: str(rec['certificate.issuer']),
    notBefore: numOrNull(rec['certificate.not_valid_before']), notAfter: numOrNull(rec['certificate.not_valid_after']),
  }];
}

export function mapSsl(rec: ZeekRecord, ts: number, iface: string, certs?: (id: string) => CertInfo | undefined): SslFlow {
  const chain = list(rec.cert_chain_fuids ?? rec.cert_chain_fps);
  const flow: SslFlow = {
    type_: 'ssl', ...base(rec, ts, iface),
    sport: num(rec['id.orig_p']), dport: num(rec['id.resp_p']), proto: 'tcp',
    version: str(rec.version), cipher: str(rec.cipher), resumed: bool(rec.resumed), established: bool(rec.established),
    cert_chain_fuids: chain, client_cert_chain_fuids: list(rec.client_cert_chain_fuids ?? rec.client_cert_chain_fps),
    subject: str(rec.subject), issuer: str(rec.issuer), server_name: str(rec.server_name),
    validation_status: str(rec.validation_status), curve: str(rec.curve), ja3: str(rec.ja3), ja3s: str(rec.ja3s),
    is_DoH: bool(rec.is_DoH), not_valid_before: null, not_valid_after: null,
  };
  const leaf = chain[0] && certs ? certs(chain[0]) : undefined;
  if (leaf) {
    if (!flow.subject) flow.subject = leaf.subject;
    if (!flow.issuer) flow.issuer = leaf.issuer;
    flow.not_valid_before = leaf.notBefore;
    flow.not_valid_after = leaf.notAfter;
  }
  return flow;
}

/** Maps one record of a Zeek log kind to a flow; null for kinds Slips does not analyse. */
export function mapZeekRecord(kind: string, rec: ZeekRecord, ts: number, iface: string,
  certs?: (id: string) => CertInfo | undefined): Flow | null {
  switch (kind) {
    case 'conn': return mapConn(rec, ts, iface);
    case 'dns': return {
      type_: 'dns', ...base(rec, ts, iface),
      sport: num(rec['id.orig_p']), dport: num(rec['id.resp_p']), proto: str(rec.proto),
      query: str(rec.query), qclass_name: str(rec.qclass_name), qtype_name: str(rec.qtype_name),
      rcode_name: str(rec.rcode_name), answers: list(rec.answers),
      TTLs: Array.isArray(rec.TTLs) ? rec.TTLs.map((x) => num(x)) : [],
    };
    case 'http': return {
      type_: 'http', ...base(rec, ts, iface),
      sport: num(rec['id.orig_p']), dport: num(rec['id.resp_p']),
      method: str(rec.method), host: str(rec.host), uri: str(rec.uri), version: str(rec.version),
      user_agent: str(rec.user_agent), request_body_len: num(rec.request_body_len),
      response_body_len: num(rec.response_body_len), status_code: str(rec.status_code), status_msg: str(rec.status_msg),
      resp_mime_types: list(rec.resp_mime_types), resp_fuids: list(rec.resp_fuids),
    };
    case 'ssl': return mapSsl(rec, ts, iface, certs);
    case 'ssh': return {
      type_: 'ssh', ...base(rec, ts, iface),
      sport: num(rec['id.orig_p']), dport: num(rec['id.resp_p']),
      version: str(rec.version), auth_success: boolOrNull(rec.auth_success), auth_attempts: num(rec.auth_attempts),
      client: str(rec.client), server: str(rec.server), cipher_alg: str(rec.cipher_alg), mac_alg: str(rec.mac_alg),
      compression_alg: str(rec.compression_alg), kex_alg: str(rec.kex_alg), host_key_alg: str(rec.host_key_alg),
      host_key: str(rec.host_key),
    };
    case 'dhcp': {
      const uids = list(rec.uids ?? rec.uid);
      const client = str(rec.client_addr), server = str(rec.server_addr), mac = str(rec.mac);
      return {
        type_: 'dhcp', ...base(rec, ts, iface), uid: uids[0] ?? '',
        saddr: client || (server ? '' : mac), daddr: server,
        uids, client_addr: client, server_addr: server, smac: mac, host_name: str(rec.host_name),
        requested_addr: str(rec.requested_addr),
      };
    }
    case 'ftp': return { type_: 'ftp', ...base(rec, ts, iface), used_port: numOrNull(rec['data_channel.resp_p']) };
    case 'smtp': return {
      type_: 'smtp', ...base(rec, ts, iface), sport: num(rec['id.orig_p']), dport: num(rec['id.resp_p']),
      last_reply: str(rec.last_reply),
    };
    case 'tunnel': return {
      type_: 'tunnel', ...base(rec, ts, iface), sport: num(rec['id.orig_p']), dport: num(rec['id.resp_p']),
      tunnel_type: str(rec.tunnel_type), action: str(rec.action),
    };
    case 'notice': {
      const b = base(rec, ts, iface);
      const scanning = str(rec.src), dst = str(rec.dst), p = numOrNull(rec.p);
      const saddr = b.saddr || scanning;
      const dportRaw = numOrNull(rec['id.resp_p']);
      return {
        type_: 'notice', ...b, saddr, daddr: b.daddr || dst || saddr,
        sport: num(rec['id.orig_p']), dport: dportRaw ?? p ?? 0,
        note: str(rec.note), msg: str(rec.msg), scanning_ip: scanning, dst, scanned_port: p,
      };
    }
    case 'files': {
      const tx = list(rec.tx_hosts), rx = list(rec.rx_hosts);
      return {
        type_: 'files', ...base(rec, ts, iface), uid: str(rec.fuid) || str(rec.uid),
        saddr: tx[0] ?? str(rec['id.resp_h']), daddr: rx[0] ?? str(rec['id.orig_h']),
        tx_hosts: tx, rx_hosts: rx, source: str(rec.source), analyzers: list(rec.analyzers),
        mime_type: str(rec.mime_type), md5: str(rec.md5), sha1: str(rec.sha1), sha256: str(rec.sha256),
        size: num(rec.total_bytes ?? rec.seen_bytes),
      };
    }
    case 'arp': return {
      type_: 'arp', ...base(rec, ts, iface), saddr: str(rec.orig_h), daddr: str(rec.resp_h),
      operation: str(rec.operation), smac: str(rec.src_mac), dmac: str(rec.dst_mac),
      src_hw: str(rec.orig_hw), dst_hw: str(rec.resp_hw),
    };
    case 'software': {
      const software = str(rec.software_type);
      return {
        type_: 'software', ...base(rec, ts, iface), saddr: str(rec.host), daddr: '', sport: num(rec.host_p),
        software, software_name: str(rec.name), version_major: numOrNull(rec['version.major']),
        version_minor: numOrNull(rec['version.minor']), unparsed_version: str(rec.unparsed_version),
        http_browser: software === 'HTTP::BROWSER',
      };
    }
    case 'weird': return { type_: 'weird', ...base(rec, ts, iface), name: str(rec.name), addl: str(rec.addl) };
    case 'login': return {
      type_: 'login', ...base(rec, ts, iface), sport: num(rec['id.orig_p']), dport: num(rec['id.resp_p']),
      proto: str(rec.proto), success: bool(rec.success), confused: bool(rec.confused), user: str(rec.user),
      client_user: str(rec.client_user), password: str(rec.password),
    };
    default: return null;
  }
}
