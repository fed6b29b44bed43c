// Typed flows: one interface per record kind, with the field names Slips uses
// (they are what users see in the `flow` JSON column of flows.sqlite).

/** Where a record came from; detections that trust Zeek-only fields check it. */
export type FlowSource = 'zeek' | 'suricata' | 'argus' | 'nfdump';

interface FlowBase {
  starttime: number;          // Unix epoch seconds (traffic time)
  uid: string;
  saddr: string;
  daddr: string;
  interface: string;          // "default" for files
  flow_source: FlowSource;
  ground_truth_label: string; // `label` column of labelled logs
  detailed_ground_truth_label: string;
}

/** conn.log, and the conn-like records of Argus, nfdump and Suricata `flow` events. */
export interface ConnFlow extends FlowBase {
  type_: 'conn' | 'argus' | 'nfdump';
  sport: number;
  dport: number;
  proto: string;              // lower case: tcp, udp, icmp, ...
  appproto: string;           // Zeek `service`
  dur: number;
  sbytes: number;
  dbytes: number;
  spkts: number;
  dpkts: number;
  state: string;              // conn_state / Argus state / Suricata flow state
  history: string;
  smac: string;
  dmac: string;
  endtime: number;
  pkts: number;
  bytes: number;
  state_hist: string;
  dir_: string;
}

export interface DnsFlow extends FlowBase {
  type_: 'dns';
  sport: number; dport: number; proto: string;
  query: string; qclass_name: string; qtype_name: string; rcode_name: string;
  answers: string[]; TTLs: number[];
}

export interface HttpFlow extends FlowBase {
  type_: 'http';
  sport: number; dport: number;
  method: string; host: string; uri: string; version: string; user_agent: string;
  request_body_len: number; response_body_len: number;
  status_code: string; status_msg: string; resp_mime_types: string[]; resp_fuids: string[];
}

export interface SslFlow extends FlowBase {
  type_: 'ssl';
  sport: number; dport: number; proto: string;
  version: string; cipher: string; resumed: boolean; established: boolean;
  cert_chain_fuids: string[]; client_cert_chain_fuids: string[];
  subject: string; issuer: string; server_name: string; validation_status: string;
  curve: string; ja3: string; ja3s: string; is_DoH: boolean;
  not_valid_before: number | null; not_valid_after: number | null;
}

export interface SshFlow extends FlowBase {
  type_: 'ssh';
  sport: number; dport: number;
  version: string; auth_success: boolean | null; auth_attempts: number;
  client: string; server: string; cipher_alg: string; mac_alg: string; compression_alg: string;
  kex_alg: string; host_key_alg: string; host_key: string;
}

export interface DhcpFlow extends FlowBase {
  type_: 'dhcp';
  uids: string[]; client_addr: string; server_addr: string; smac: string; host_name: string; requested_addr: string;
}

export interface FtpFlow extends FlowBase { type_: 'ftp'; used_port: number | null }

export interface SmtpFlow extends FlowBase { type_: 'smtp'; sport: number; dport: number; last_reply: string }

export interface TunnelFlow extends FlowBase {
  type_: 'tunnel'; sport: number; dport: number; tunnel_type: string; action: string;
}

export interface NoticeFlow extends FlowBase {
  type_: 'notice'; sport: number; dport: number;
  note: string; msg: string; scanning_ip: string; dst: string; scanned_port: number | null;
}

export interface FilesFlow extends FlowBase {
  type_: 'files';
  tx_hosts: string[]; rx_hosts: string[]; source: string; analyzers: string[];
  mime_type: string; md5: string; sha1: string; sha256: string; size: number;
}

export interface ArpFlow extends FlowBase {
  type_: 'arp';
  operation: string; smac: string; dmac: string; src_hw: string; dst_hw: string;
}

export interface SoftwareFlow extends FlowBase {
  type_: 'software';
  sport: number; software: string; software_name: string;
  version_major: number | null; version_minor: number | null; unparsed_version: string; http_browser: boolean;
}

export interface WeirdFlow extends FlowBase { type_: 'weird'; name: string; addl: string }

export interface LoginFlow extends FlowBase {
  type_: 'login'; sport: number; dport: number; proto: string;
  success: boolean; confused: boolean; user: string; client_user: string; password: string;
}

/** A Suricata `alert` event (the signature that matched); turned into SURICATA_ALERT evidence. */
export interface AlertFlow extends FlowBase {
  type_: 'alert';
  sport: number; dport: number; proto: string; appproto: string;
  signature: string; signature_id: number; rev: number; gid: number; category: string;
  /** Suricata priority: 1 is the most severe. */
  severity: number;
  action: string;
}

export type Flow = ConnFlow | DnsFlow | HttpFlow | SslFlow | SshFlow | DhcpFlow | FtpFlow | SmtpFlow | TunnelFlow
  | NoticeFlow | FilesFlow | ArpFlow | SoftwareFlow | WeirdFlow | LoginFlow | AlertFlow;

export type FlowType = Flow['type_'];

export const isConnLike = (f: Flow): f is ConnFlow => f.type_ === 'conn' || f.type_ === 'argus' || f.type_ === 'nfdump';

/**
 * Slips' `get_final_state_from_flags`: "Established" / "Not Established" or an ICMP label,
 * from Zeek conn_state, Argus flags or Suricata flow states.
 */
export function interpretState(state: string, pkts: number): string {
  const s = state;
  if (s.includes('new') || s.includes('established')) return 'Established';
  if (s.includes('closed')) return 'Not Established';
  switch (s) {
    case 'S0': case 'REJ': case 'RSTOS0': case 'RSTRH': case 'SH': case 'SHR': return 'Not Established';
    case 'S1': case 'SF': case 'S2': case 'S3': case 'RSTO': case 'RSTP': case 'OTH': return 'Established';
  }
  const us = s.indexOf('_');
  if (us >= 0) {
    const pre = s.slice(0, us), suf = s.slice(us + 1);
    if (pre.includes('S') && pre.includes('A') && suf.includes('S') && suf.includes('A')) return 'Established';
    if (pre.includes('PA') && suf.includes('PA')) return 'Established';
    if (pre.includes('ECO')) return 'ICMP Echo';
    if (pre.includes('ECR')) return 'ICMP Reply';
    if (pre.includes('URH')) return 'ICMP Host Unreachable';
    if (pre.includes('URP')) return 'ICMP Port Unreachable';
    return 'Not Established';
  }
  if (s === 'ECO' || s === 'UNK' || s === 'CON' || s === 'EST') return 'Established';
  if (s === 'INT') return 'Not Established';
  if (s.includes('RST') || s.includes('FIN')) return pkts <= 3 ? 'Not Established' : 'Established';
  return 'Not Established';
}
