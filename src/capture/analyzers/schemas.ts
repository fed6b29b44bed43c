/**
 * Zeek 8 column lists of the application logs (the default scripts' columns), plus the columns
 * Slips' own Zeek scripts add (ja3/ja3s on ssl.log; ja4 is this project's addition). The writer
 * knows them, so `slips zeek` prints them with Zeek's headers.
 */
import type { FieldSpec } from '../log-schemas.js';

const f = (spec: string): FieldSpec[] =>
  spec
    .trim()
    .split(/\s+/)
    .map((p) => {
      const i = p.indexOf(':');
      return { name: p.slice(0, i), type: p.slice(i + 1) };
    });

const ID = 'ts:time uid:string id.orig_h:addr id.orig_p:port id.resp_h:addr id.resp_p:port';

export const APP_SCHEMAS: Readonly<Record<string, readonly FieldSpec[]>> = {
  dns: f(`${ID} proto:enum trans_id:count rtt:interval query:string qclass:count qclass_name:string
    qtype:count qtype_name:string rcode:count rcode_name:string AA:bool TC:bool RD:bool RA:bool Z:count
    answers:vector[string] TTLs:vector[interval] rejected:bool`),
  http: f(`${ID} trans_depth:count method:string host:string uri:string referrer:string version:string
    user_agent:string origin:string request_body_len:count response_body_len:count status_code:count
    status_msg:string info_code:count info_msg:string tags:set[enum] username:string password:string
    proxied:set[string] orig_fuids:vector[string] orig_filenames:vector[string] orig_mime_types:vector[string]
    resp_fuids:vector[string] resp_filenames:vector[string] resp_mime_types:vector[string]`),
  ssl: f(`${ID} version:string cipher:string curve:string server_name:string resumed:bool last_alert:string
    next_protocol:string established:bool ssl_history:string cert_chain_fps:vector[string]
    client_cert_chain_fps:vector[string] sni_matches_cert:bool validation_status:string
    subject:string issuer:string ja3:string ja3s:string ja4:string`),
  x509: f(`ts:time fingerprint:string certificate.version:count certificate.serial:string
    certificate.subject:string certificate.issuer:string certificate.not_valid_before:time
    certificate.not_valid_after:time certificate.key_alg:string certificate.sig_alg:string
    certificate.key_type:string certificate.key_length:count certificate.exponent:string
    certificate.curve:string san.dns:vector[string] san.uri:vector[string] san.email:vector[string]
    san.ip:vector[addr] basic_constraints.ca:bool basic_constraints.path_len:count host_cert:bool client_cert:bool`),
  ssh: f(`${ID} version:count auth_success:bool auth_attempts:count direction:enum client:string server:string
    cipher_alg:string mac_alg:string compression_alg:string kex_alg:string host_key_alg:string host_key:string`),
  dhcp: f(`ts:time uids:set[string] client_addr:addr server_addr:addr mac:string host_name:string
    client_fqdn:string domain:string requested_addr:addr assigned_addr:addr lease_time:interval
    client_message:string server_message:string msg_types:vector[string] duration:interval`),
  files: f(`ts:time fuid:string uid:string id.orig_h:addr id.orig_p:port id.resp_h:addr id.resp_p:port
    source:string depth:count analyzers:set[string] mime_type:string filename:string duration:interval
    local_orig:bool is_orig:bool seen_bytes:count total_bytes:count missing_bytes:count overflow_bytes:count
    timedout:bool parent_fuid:string md5:string sha1:string sha256:string extracted:string
    extracted_cutoff:bool extracted_size:count`),
  weird: f(`${ID} name:string addl:string notice:bool peer:string source:string`),
  ftp: f(`${ID} user:string password:string command:string arg:string mime_type:string file_size:count
    reply_code:count reply_msg:string data_channel.passive:bool data_channel.orig_h:addr
    data_channel.resp_h:addr data_channel.resp_p:port fuid:string`),
  smtp: f(`${ID} trans_depth:count helo:string mailfrom:string rcptto:set[string] date:string from:string
    to:set[string] cc:set[string] reply_to:string msg_id:string in_reply_to:string subject:string
    x_originating_ip:addr first_received:string second_received:string last_reply:string path:vector[addr]
    user_agent:string tls:bool fuids:vector[string]`),
  software: f(`ts:time host:addr host_p:port software_type:enum name:string version.major:count
    version.minor:count version.minor2:count version.minor3:count version.addl:string unparsed_version:string`),
  notice: f(`${ID} fuid:string file_mime_type:string file_desc:string proto:enum note:enum msg:string
    sub:string src:addr dst:addr p:port n:count peer_descr:string actions:set[enum] email_dest:set[string]
    suppress_for:interval remote_location.country_code:string remote_location.region:string
    remote_location.city:string remote_location.latitude:double remote_location.longitude:double`),
};
