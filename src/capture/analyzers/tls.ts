/**
 * TLS/SSL into ssl.log and x509.log: records reassembled per direction, handshake messages
 * reassembled across records (bounded), ClientHello/ServerHello/Certificate/ServerKeyExchange
 * parsed; JA3 and JA3S as their authors define them (GREASE removed from every list) and JA4.
 * Everything after ChangeCipherSpec is only counted, never buffered.
 */
import { createHash } from 'node:crypto';
import { BoundedBuffer, connId, type AppAnalyzer, type AppContext } from './framework.js';
import { cipherName, groupName, isGrease, tlsVersionName } from './tls-names.js';
import { certFacts, validateChain, type CertFacts } from './x509.js';

export interface ClientHello {
  version: number;
  ciphers: number[];
  extensions: number[];
  groups: number[];
  pointFormats: number[];
  sni: string | null;
  alpn: string[];
  supportedVersions: number[];
  sigAlgs: number[];
  sessionId: Buffer;
}

export interface ServerHello {
  version: number;
  cipher: number;
  extensions: number[];
  sessionId: Buffer;
  alpn: string | null;
  selectedVersion: number | null;
  keyShareGroup: number | null;
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const sha12 = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12);
const noGrease = (l: number[]): number[] => l.filter((v) => !isGrease(v));

export function ja3(ch: ClientHello): string {
  return md5(
    [ch.version, noGrease(ch.ciphers).join('-'), noGrease(ch.extensions).join('-'), noGrease(ch.groups).join('-'), ch.pointFormats.join('-')].join(','),
  );
}

export function ja3s(sh: ServerHello): string {
  return md5([sh.version, sh.cipher, noGrease(sh.extensions).join('-')].join(','));
}

const hex4 = (v: number): string => v.toString(16).padStart(4, '0');

/** JA4 (TLS over TCP) of a ClientHello. */
export function ja4(ch: ClientHello): string {
  const versions = noGrease(ch.supportedVersions);
  const v = versions.length > 0 ? Math.max(...versions) : ch.version;
  const ver = ({ 0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10', 0x0300: 's3', 0x0002: 's2' } as Record<number, string>)[v] ?? '00';
  const ciphers = noGrease(ch.ciphers);
  const exts = noGrease(ch.extensions);
  const two = (n: number): string => String(Math.min(n, 99)).padStart(2, '0');
  let alpn = '00';
  const first = ch.alpn[0];
  if (first && first.length > 0) {
    const a = first[0]!;
    const z = first[first.length - 1]!;
    const alnum = (c: string): boolean => /[0-9A-Za-z]/.test(c);
    alpn = alnum(a) && alnum(z) ? a + z : Buffer.from(a + z, 'latin1').toString('hex').slice(0, 1) + Buffer.from(z, 'latin1').toString('hex').slice(-1);
  }
  const a = `t${ver}${ch.sni !== null ? 'd' : 'i'}${two(ciphers.length)}${two(exts.length)}${alpn}`;
  const b = ciphers.length ? sha12(ciphers.map(hex4).sort().join(',')) : '000000000000';
  const extList = exts.filter((e) => e !== 0 && e !== 16).map(hex4).sort().join(',');
  const sig = ch.sigAlgs.map(hex4).join(',');
  const c = exts.length ? sha12(sig ? `${extList}_${sig}` : extList) : '000000000000';
  return `${a}_${b}_${c}`;
}

function u16list(b: Buffer, off: number, len: number): number[] {
  const out: number[] = [];
  for (let i = off; i + 1 < off + len; i += 2) out.push(b.readUInt16BE(i));
  return out;
}

/**
 * Walks a hello's extensions block (its 2-byte length at p): each complete extension's type, data
 * offset and length; stops at the first one that runs past the block or the buffer.
 */
function forEachExtension(b: Buffer, p: number, visit: (type: number, data: number, len: number) => void): void {
  const extEnd = Math.min(b.length, p + 2 + b.readUInt16BE(p));
  p += 2;
  while (p + 4 <= extEnd) {
    const type = b.readUInt16BE(p);
    const len = b.readUInt16BE(p + 2);
    const d = p + 4;
    if (d + len > extEnd) break;
    visit(type, d, len);
    p = d + len;
  }
}

/** Parses a ClientHello body (after the 4-byte handshake header). */
export function parseClientHello(b: Buffer): ClientHello | null {
  if (b.length < 38) return null;
  const ch: ClientHello = {
    version: b.readUInt16BE(0), ciphers: [], extensions: [], groups: [], pointFormats: [], sni: null, alpn: [],
    supportedVersions: [], sigAlgs: [], sessionId: Buffer.alloc(0),
  };
  let p = 34;
  const sidLen = b[p]!;
  if (p + 1 + sidLen > b.length) return null;
  ch.sessionId = Buffer.from(b.subarray(p + 1, p + 1 + sidLen));
  p += 1 + sidLen;
  if (p + 2 > b.length) return null;
  const cl = b.readUInt16BE(p);
  if (p + 2 + cl > b.length) return null;
  ch.ciphers = u16list(b, p + 2, cl);
  p += 2 + cl;
  if (p + 1 > b.length) return null;
  p += 1 + b[p]!;
  if (p + 2 > b.length) return ch; // no extensions
  forEachExtension(b, p, (type, d, len) => {
    ch.extensions.push(type);
    if (type === 0 && len >= 5) {
      // server_name list: first host_name entry
      const nameLen = b.readUInt16BE(d + 3);
      if (b[d + 2] === 0 && d + 5 + nameLen <= d + len) ch.sni = b.toString('latin1', d + 5, d + 5 + nameLen);
    } else if (type === 10 && len >= 2) ch.groups = u16list(b, d + 2, Math.min(b.readUInt16BE(d), len - 2));
    else if (type === 11 && len >= 1) ch.pointFormats = [...b.subarray(d + 1, d + 1 + Math.min(b[d]!, len - 1))];
    else if (type === 13 && len >= 2) ch.sigAlgs = u16list(b, d + 2, Math.min(b.readUInt16BE(d), len - 2));
    else if (type === 16 && len >= 2) {
      let q = d + 2;
      while (q < d + len) {
        const l = b[q]!;
        ch.alpn.push(b.toString('latin1', q + 1, Math.min(q + 1 + l, d + len)));
        q += 1 + l;
      }
    } else if (type === 43 && len >= 1) ch.supportedVersions = u16list(b, d + 1, Math.min(b[d]!, len - 1));
  });
  return ch;
}

export function parseServerHello(b: Buffer): ServerHello | null {
  if (b.length < 38) return null;
  const sh: ServerHello = {
    version: b.readUInt16BE(0), cipher: 0, extensions: [], sessionId: Buffer.alloc(0), alpn: null, selectedVersion: null, keyShareGroup: null,
  };
  let p = 34;
  const sidLen = b[p]!;
  if (p + 1 + sidLen + 3 > b.length) return null;
  sh.sessionId = Buffer.from(b.subarray(p + 1, p + 1 + sidLen));
  p += 1 + sidLen;
  sh.cipher = b.readUInt16BE(p);
  p += 3; // cipher + compression
  if (p + 2 > b.length) return sh;
  forEachExtension(b, p, (type, d, len) => {
    sh.extensions.push(type);
    if (type === 43 && len >= 2) sh.selectedVersion = b.readUInt16BE(d);
    else if (type === 16 && len >= 3) sh.alpn = b.toString('latin1', d + 3, Math.min(d + 3 + b[d + 2]!, d + len));
    else if (type === 51 && len >= 2) sh.keyShareGroup = b.readUInt16BE(d);
  });
  return sh;
}

const HS_LETTERS: Record<number, string> = {
  0: 'H', 1: 'C', 2: 'S', 3: 'V', 4: 'T', 8: 'E', 11: 'X', 12: 'K', 13: 'R', 14: 'N', 15: 'Y', 16: 'G', 20: 'F', 21: 'W', 22: 'U', 23: 'A', 24: 'Q',
};
const MAX_RECORD = 16384 + 2048 + 5;

class Dir {
  buf = new BoundedBuffer(MAX_RECORD);
  hs = new BoundedBuffer(65536);
  encrypted = false;
  ccs = false;
  appData = false;
  /** stop parsing (gap, garbage or a limit): the rest is only counted */
  dead = false;
  constructor(maxHs: number) {
    this.hs = new BoundedBuffer(maxHs);
  }
}

export class TlsAnalyzer implements AppAnalyzer {
  readonly name = 'ssl';
  private readonly dirs: [Dir, Dir];
  private ch: ClientHello | null = null;
  private sh: ServerHello | null = null;
  private history = '';
  private chain: CertFacts[] = [];
  private curve: number | null = null;
  private lastAlert: string | null = null;
  private established = false;
  private logged = false;
  private confirmed = false;
  private ts = 0;

  constructor(private readonly ctx: AppContext) {
    const max = ctx.shared.opts.maxTlsHandshake;
    this.dirs = [new Dir(max), new Dir(max)];
  }

  flip(): void {
    this.dirs.reverse();
  }

  stream(isOrig: boolean, data: Buffer): void {
    const d = this.dirs[isOrig ? 0 : 1];
    if (d.dead) return;
    let rest = data;
    const si = isOrig ? 0 : 1;
    while (rest.length > 0 && !d.dead) {
      // the rest of an encrypted record that is being skipped, not buffered
      if (this.skipRemaining[si]! > 0) {
        const n = Math.min(this.skipRemaining[si]!, rest.length);
        this.skipRemaining[si]! -= n;
        rest = rest.subarray(n);
        continue;
      }
      const room = d.buf.cap - d.buf.length;
      const take = rest.subarray(0, room);
      d.buf.append(take);
      rest = rest.subarray(take.length);
      for (;;) {
        const v = d.buf.view();
        if (v.length < 5) break;
        const type = v[0]!;
        const len = v.readUInt16BE(3);
        if (type < 20 || type > 24 || v[1] !== 3 || len > MAX_RECORD - 5) {
          this.garbage(isOrig, d);
          return;
        }
        if (v.length < 5 + len) {
          if (type === 23 && d.encrypted) {
            // do not keep encrypted payload: account for it as it streams by
            this.skipRecord(d, len, v.length - 5, isOrig);
          }
          break;
        }
        this.record(isOrig, d, type, v.subarray(5, 5 + len));
        d.buf.consume(5 + len);
        if (d.dead) return;
      }
    }
  }

  private skipRemaining = [0, 0];

  /** an encrypted application record arrives in pieces: drop what we have and skip the rest */
  private skipRecord(d: Dir, len: number, have: number, isOrig: boolean): void {
    d.buf.clear();
    this.skipRemaining[isOrig ? 0 : 1] = len - have;
    this.appData(isOrig, d);
  }

  private garbage(isOrig: boolean, d: Dir): void {
    d.dead = true;
    d.buf.clear();
    if (!this.confirmed) this.ctx.violation(this, 'not TLS');
    else this.ctx.weird('SSL_invalid_record', undefined, 'SSL');
    void isOrig;
  }

  gap(isOrig: boolean): void {
    const d = this.dirs[isOrig ? 0 : 1];
    d.dead = true;
    d.buf.clear();
    d.hs.clear();
  }

  private record(isOrig: boolean, d: Dir, type: number, body: Buffer): void {
    switch (type) {
      case 20:
        d.ccs = true;
        d.encrypted = true;
        this.history += isOrig ? 'I' : 'i';
        this.checkEstablished();
        return;
      case 21:
        // an alert after ChangeCipherSpec is encrypted: neither its level nor its kind is visible
        if (d.encrypted) return;
        if (body.length >= 2) this.lastAlert = alertName(body[1]!);
        this.history += isOrig ? 'L' : 'l';
        return;
      case 22:
        if (d.encrypted) return; // encrypted Finished and later handshake messages
        if (!d.hs.append(body)) {
          this.ctx.weird('SSL_handshake_too_long', undefined, 'SSL');
          d.dead = true;
          return;
        }
        this.handshakes(isOrig, d);
        return;
      case 23:
        this.appData(isOrig, d);
        return;
    }
  }

  private appData(isOrig: boolean, d: Dir): void {
    if (d.appData) return;
    d.appData = true;
    this.checkEstablished();
    void isOrig;
  }

  private checkEstablished(): void {
    if (this.established || !this.sh) return;
    const [o, r] = this.dirs;
    const tls13 = (this.sh.selectedVersion ?? this.sh.version) >= 0x0304 || (this.sh.selectedVersion ?? 0) >> 8 === 0x7f;
    if (tls13 ? o.appData && r.appData : o.ccs && r.ccs) this.established = true;
    if (!tls13 && o.ccs && r.ccs) this.established = true;
    if (tls13 && (o.appData || o.ccs) && (r.appData || r.ccs)) this.established = true;
  }

  private handshakes(isOrig: boolean, d: Dir): void {
    for (;;) {
      const v = d.hs.view();
      if (v.length < 4) return;
      const len = (v[1]! << 16) | (v[2]! << 8) | v[3]!;
      if (len > d.hs.cap - 4) {
        this.ctx.weird('SSL_handshake_too_long', undefined, 'SSL');
        d.dead = true;
        d.hs.clear();
        return;
      }
      if (v.length < 4 + len) return;
      this.handshake(isOrig, v[0]!, v.subarray(4, 4 + len));
      d.hs.consume(4 + len);
    }
  }

  private handshake(isOrig: boolean, type: number, body: Buffer): void {
    const letter = HS_LETTERS[type];
    if (letter) this.history += isOrig ? letter : letter.toLowerCase();
    switch (type) {
      case 1: {
        const ch = parseClientHello(body);
        if (!ch) return;
        if (!this.ch) {
          this.ch = ch;
          this.ts = this.ctx.conn.now();
        }
        // a well-formed ClientHello confirms, as Zeek does (a server answering garbage keeps "ssl")
        if (!this.confirmed) {
          this.confirmed = true;
          this.ctx.confirm(this);
        }
        return;
      }
      case 2: {
        const sh = parseServerHello(body);
        if (!sh) return;
        this.sh = sh;
        if (sh.keyShareGroup !== null) this.curve = sh.keyShareGroup;
        if (!this.confirmed) {
          this.confirmed = true;
          this.ctx.confirm(this);
        }
        return;
      }
      case 11:
        if (!isOrig) this.certificates(body);
        return;
      case 12:
        // ECDHE ServerKeyExchange: curve_type 3 (named_curve), then the group
        if (body.length >= 3 && body[0] === 3) this.curve = body.readUInt16BE(1);
        return;
    }
  }

  private certificates(body: Buffer): void {
    if (body.length < 3 || this.chain.length > 0) return;
    const total = Math.min(body.length, 3 + ((body[0]! << 16) | (body[1]! << 8) | body[2]!));
    let p = 3;
    while (p + 3 <= total && this.chain.length < 10) {
      const len = (body[p]! << 16) | (body[p + 1]! << 8) | body[p + 2]!;
      if (p + 3 + len > total) break;
      const facts = certFacts(Buffer.from(body.subarray(p + 3, p + 3 + len)), this.ctx.conn.now(), this.chain.length === 0);
      if (facts) this.chain.push(facts);
      p += 3 + len;
    }
    for (const f of this.chain) {
      const key = `x509|${f.fingerprint}|${f.rec.host_cert}`;
      if (this.ctx.shared.noteSoftware(key)) this.ctx.conn.emit('x509', f.rec);
    }
  }

  end(): void {
    if (this.logged || (!this.ch && !this.sh)) return;
    this.logged = true;
    const c = this.ctx.conn;
    const rec: Record<string, unknown> = { ts: this.ch ? this.ts : c.now(), uid: c.uid, ...connId(c) };
    const sh = this.sh;
    if (sh) {
      rec.version = tlsVersionName(sh.selectedVersion ?? sh.version);
      rec.cipher = cipherName(sh.cipher);
    }
    if (this.curve !== null) rec.curve = groupName(this.curve);
    if (this.ch?.sni) rec.server_name = this.ch.sni;
    const resumed =
      !!sh &&
      !!this.ch &&
      sh.selectedVersion === null &&
      sh.sessionId.length > 0 &&
      sh.sessionId.equals(this.ch.sessionId);
    rec.resumed = resumed;
    if (this.lastAlert) rec.last_alert = this.lastAlert;
    if (sh?.alpn) rec.next_protocol = sh.alpn;
    rec.established = this.established;
    rec.ssl_history = this.history;
    if (this.chain.length > 0) {
      rec.cert_chain_fps = this.chain.map((f) => f.fingerprint);
      rec.client_cert_chain_fps = [];
    }
    if (this.chain.length > 0) {
      const leaf = this.chain[0]!;
      rec.subject = leaf.subject;
      rec.issuer = leaf.issuer;
      rec.sni_matches_cert = this.ch?.sni ? matchesSan(this.ch.sni, leaf) : undefined;
      if (rec.sni_matches_cert === undefined) delete rec.sni_matches_cert;
      const status = validateChain(this.chain, this.ts || c.now(), this.ctx.shared.trustAnchors);
      rec.validation_status = status;
      if (status !== 'ok') {
        c.emit('notice', {
          ts: c.now(),
          uid: c.uid,
          ...connId(c),
          fuid: undefined,
          proto: 'tcp',
          note: 'SSL::Invalid_Server_Cert',
          msg: `SSL certificate validation failed with (${status})`,
          sub: leaf.subject,
          src: c.origH,
          dst: c.respH,
          p: c.respP,
          actions: ['Notice::ACTION_LOG'],
          suppress_for: 3600,
        });
      }
    }
    if (this.ctx.shared.opts.fingerprints) {
      if (this.ch) {
        rec.ja3 = ja3(this.ch);
        rec.ja4 = ja4(this.ch);
      }
      if (sh) rec.ja3s = ja3s(sh);
    }
    for (const k of Object.keys(rec)) if (rec[k] === undefined) delete rec[k];
    c.emit('ssl', rec);
  }
}

function matchesSan(sni: string, leaf: CertFacts): boolean {
  const names = leaf.sanDns.length > 0 ? leaf.sanDns : [/CN=([^,]+)/.exec(leaf.subject)?.[1] ?? ''];
  const host = sni.toLowerCase();
  return names.some((n) => {
    const p = n.toLowerCase();
    if (p.startsWith('*.')) {
      const i = host.indexOf('.');
      return i > 0 && host.slice(i) === p.slice(1);
    }
    return p === host;
  });
}

const ALERTS: Record<number, string> = {
  0: 'close_notify', 10: 'unexpected_message', 20: 'bad_record_mac', 21: 'decryption_failed', 22: 'record_overflow',
  30: 'decompression_failure', 40: 'handshake_failure', 41: 'no_certificate', 42: 'bad_certificate',
  43: 'unsupported_certificate', 44: 'certificate_revoked', 45: 'certificate_expired', 46: 'certificate_unknown',
  47: 'illegal_parameter', 48: 'unknown_ca', 49: 'access_denied', 50: 'decode_error', 51: 'decrypt_error',
  60: 'export_restriction', 70: 'protocol_version', 71: 'insufficient_security', 80: 'internal_error',
  86: 'inappropriate_fallback', 90: 'user_canceled', 100: 'no_renegotiation', 109: 'missing_extension',
  110: 'unsupported_extension', 112: 'unrecognized_name', 113: 'bad_certificate_status_response',
  115: 'unknown_psk_identity', 116: 'certificate_required', 120: 'no_application_protocol',
};

function alertName(code: number): string {
  return ALERTS[code] ?? `unknown-${code}`;
}
