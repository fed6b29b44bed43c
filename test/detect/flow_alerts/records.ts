// Hand-made records of every Zeek log kind, and a feeder that does what the engine does before
// detectors see a flow (DNS cache, MAC associations, interpreted state).
import type { DnsFlow, Flow, HttpFlow, LoginFlow, NoticeFlow, SmtpFlow, SoftwareFlow, SshFlow, SslFlow, TunnelFlow,
  WeirdFlow } from '../../../src/flows/types.ts';
import type { Detector } from '../../../src/detect/detector.ts';
import type { RecordingContext } from '../../helpers/flows.ts';

const base = { starttime: 1000, uid: 'U1', saddr: '192.168.1.5', daddr: '1.2.3.4', interface: 'default',
  flow_source: 'zeek' as const, ground_truth_label: '', detailed_ground_truth_label: '' };

export const dns = (o: Partial<DnsFlow> = {}): DnsFlow => ({ ...base, type_: 'dns', daddr: '192.168.1.1', sport: 5353,
  dport: 53, proto: 'udp', query: 'example.com', qclass_name: 'C_INTERNET', qtype_name: 'A', rcode_name: 'NOERROR',
  answers: ['93.184.216.34'], TTLs: [60], ...o });

export const http = (o: Partial<HttpFlow> = {}): HttpFlow => ({ ...base, type_: 'http', sport: 50000, dport: 80,
  method: 'GET', host: 'example.com', uri: '/index.html', version: '1.1', user_agent: 'Wget/1.21.2',
  request_body_len: 0, response_body_len: 100, status_code: '200', status_msg: 'OK', resp_mime_types: ['text/html'],
  resp_fuids: [], ...o });

export const ssl = (o: Partial<SslFlow> = {}): SslFlow => ({ ...base, type_: 'ssl', sport: 50000, dport: 443, proto: 'tcp',
  version: 'TLSv12', cipher: '', resumed: false, established: true, cert_chain_fuids: [], client_cert_chain_fuids: [],
  subject: '', issuer: '', server_name: 'example.com', validation_status: '', curve: '', ja3: '', ja3s: '', is_DoH: false,
  not_valid_before: null, not_valid_after: null, ...o });

export const ssh = (o: Partial<SshFlow> = {}): SshFlow => ({ ...base, type_: 'ssh', sport: 50000, dport: 22, version: '2',
  auth_success: null, auth_attempts: 1, client: '', server: '', cipher_alg: '', mac_alg: '', compression_alg: '',
  kex_alg: '', host_key_alg: '', host_key: '', ...o });

export const smtp = (o: Partial<SmtpFlow> = {}): SmtpFlow => ({ ...base, type_: 'smtp', sport: 50000, dport: 25,
  last_reply: '554 5.7.1 bad smtp-auth user', ...o });

export const software = (o: Partial<SoftwareFlow> = {}): SoftwareFlow => ({ ...base, type_: 'software', daddr: '',
  sport: 22, software: 'SSH::CLIENT', software_name: 'OpenSSH', version_major: 8, version_minor: 1, unparsed_version: '',
  http_browser: false, ...o });

export const tunnel = (o: Partial<TunnelFlow> = {}): TunnelFlow => ({ ...base, type_: 'tunnel', sport: 0, dport: 0,
  tunnel_type: 'Tunnel::GRE', action: 'Tunnel::DISCOVER', ...o });

export const notice = (o: Partial<NoticeFlow> = {}): NoticeFlow => ({ ...base, type_: 'notice', sport: 0, dport: 0,
  note: 'Scan::Address_Scan', msg: '', scanning_ip: base.saddr, dst: '', scanned_port: null, ...o });

export const weird = (o: Partial<WeirdFlow> = {}): WeirdFlow => ({ ...base, type_: 'weird', name: 'unknown_HTTP_method',
  addl: 'BADMETHOD', ...o });

export const login = (o: Partial<LoginFlow> = {}): LoginFlow => ({ ...base, type_: 'login', sport: 50000, dport: 23,
  proto: 'telnet', success: false, confused: false, user: 'root', client_user: '', password: '', ...o });

/** Runs flows through detectors the way the pipeline does (the run's profiler first); then optionally ends the input. */
export function feed(ctx: RecordingContext, detectors: Detector[], flows: Flow[], opts: { end?: boolean } = {}): void {
  for (const f of flows) {
    if (f.type_ === 'ssl' || f.type_ === 'dns') ctx.facts.observe(f);
    const { fc } = ctx.profiler.profile(f);
    for (const d of detectors) d.onFlow(f, fc);
    ctx.scanMarks.commit();
  }
  if (opts.end) for (const d of detectors) d.onEnd?.();
}

export const descriptions = (ctx: RecordingContext, type?: string): string[] =>
  ctx.evidence.filter((e) => !type || e.evidence_type === type).map((e) => e.description);
