// HTTP request lines as Zeek's HTTP analyzer reads them.

const METHOD_AND_REST = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]+(.*)$/;

/** Zeek's unescape_URI: %XX decoded byte-wise, invalid escapes kept. */
export function unescapeUri(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const KNOWN_METHODS = [
  'OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT', 'BCOPY', 'BDELETE', 'BMOVE', 'BPROPFIND',
  'BPROPPATCH', 'COPY', 'LOCK', 'MKCOL', 'MOVE', 'NOTIFY', 'POLL', 'PROPFIND', 'PROPPATCH', 'SEARCH', 'SUBSCRIBE',
  'UNLOCK', 'UNSUBSCRIBE', 'X-MS-ENUMATTS', 'RPC_OUT_DATA', 'RPC_IN_DATA',
];

export type RequestLine =
  | { ok: true; method: string; uri: string; version: string; unknownMethod: boolean }
  | { ok: false; weird: 'bad_HTTP_request' | 'bad_HTTP_request_with_version' };

/**
 * A request line as Zeek reads it: a known method (or any token, with a weird) followed by
 * whitespace, the URI up to the next whitespace (empty if the rest starts with "HTTP/"), then
 * an optional "HTTP/x.y"; without a version it is an HTTP/0.9 request.
 */
export function parseRequestLine(line: string): RequestLine {
  let method: string | null = null;
  let unknownMethod = false;
  for (const k of KNOWN_METHODS) {
    if (line.startsWith(k)) {
      if (!/^[ \t]/.test(line.slice(k.length))) return { ok: false, weird: 'bad_HTTP_request' };
      method = k;
      break;
    }
  }
  if (method === null) {
    const m = METHOD_AND_REST.exec(line);
    if (!m) return { ok: false, weird: /[ \t]HTTP\/\d+\.\d+/.test(line) ? 'bad_HTTP_request_with_version' : 'bad_HTTP_request' };
    method = m[1]!;
    unknownMethod = true;
  }
  const rest = line.slice(method.length).trimStart();
  let uri: string;
  let after: string;
  if (/^HTTP\//i.test(rest)) {
    uri = '';
    after = rest;
  } else {
    const sp = rest.search(/[ \t]/);
    uri = sp < 0 ? rest : rest.slice(0, sp);
    after = sp < 0 ? '' : rest.slice(sp).trimStart();
  }
  const v = /^HTTP\/(\d+)\.?(\d*)/i.exec(after);
  const version = v ? `${v[1]}.${v[2] === '' ? '0' : v[2]}` : '0.9';
  return { ok: true, method, uri, version, unknownMethod };
}
