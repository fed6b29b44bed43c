// Small Zeek logs written by the reliability tests: conn.log, dns.log and http.log in TSV, and
// conn records as JSON lines, each record a list of field values in the header's order.
export const CONN_FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration',
  'orig_bytes', 'resp_bytes', 'conn_state', 'history', 'orig_pkts', 'resp_pkts'];
const CONN_TYPES = ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'string', 'interval', 'count', 'count',
  'string', 'string', 'count', 'count'];
export const DNS_FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'query', 'qtype_name', 'rcode_name', 'answers'];
const DNS_TYPES = ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'string', 'string', 'string', 'vector[string]'];
export const HTTP_FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'method', 'host', 'uri', 'user_agent',
  'status_code', 'request_body_len', 'response_body_len'];
const HTTP_TYPES = ['time', 'string', 'addr', 'port', 'addr', 'port', 'string', 'string', 'string', 'string', 'count', 'count', 'count'];

const header = (path: string, fields: string[], types: string[]): string =>
  ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', `#path\t${path}`,
    `#fields\t${fields.join('\t')}`, `#types\t${types.join('\t')}`].join('\n') + '\n';

export const tsvLog = (path: 'conn' | 'dns' | 'http', rows: string[][]): string => {
  const [f, t] = path === 'conn' ? [CONN_FIELDS, CONN_TYPES] : path === 'dns' ? [DNS_FIELDS, DNS_TYPES] : [HTTP_FIELDS, HTTP_TYPES];
  return header(path, f, t) + rows.map((r) => r.join('\t') + '\n').join('');
};

/** A plain established TCP connection from 10.0.0.1 to a public address; `i` makes it unique. */
export const connRow = (i: number, t0 = 1_600_000_000): string[] =>
  [String(t0 + i), `C${i}`, '10.0.0.1', String(40000 + (i % 20000)), `93.184.${(i >> 8) & 255}.${i & 255}`, '443', 'tcp', 'ssl',
    '1.5', '300', '4000', 'SF', 'ShADadFf', '5', '6'];

/** A conn record as a JSON line; numeric fields are written as they are (so 1e309 stays 1e309 in the text). */
export const connJson = (row: string[]): string => '{' + CONN_FIELDS.map((k, i) => {
  const v = row[i]!;
  const numeric = /^(ts|id\.orig_p|id\.resp_p|duration|orig_bytes|resp_bytes|orig_pkts|resp_pkts)$/.test(k) && /^-?[\d.]+(e[+-]?\d+)?$/i.test(v);
  return `${JSON.stringify(k)}: ${numeric ? v : JSON.stringify(v)}`;
}).join(', ') + '}';

/** Control characters of every kind an attacker can put into a name, and a forged alerts.log line. */
export const HOSTILE = '\x1b[31mred\x1b[0m\r\x00\x07\u009b\u202eevil\u2066';
export const FORGED_LINE = '\n2019-04-04T16:24:47.672448+02:00 (TW 1): Src IP 6.6.6.6                   . Detected Long Connection. Threat level: low. \n';

/** A byte (or character) that must never reach a text output: C0/C1 controls but TAB, LF (as line end) and CR; bidi. */
export const CONTROL_IN_TEXT = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
