/**
 * Certificates: x509.log records (node:crypto X509Certificate plus a minimal DER walk for the
 * fields it does not expose) and chain validation against the Mozilla roots shipped with Node,
 * at traffic time, with OpenSSL's status texts (what Zeek's validate-certs puts in
 * ssl.log validation_status).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';

interface Der {
  tag: number;
  start: number; // content start
  end: number; // content end
}

function der(buf: Buffer, off: number): Der | null {
  if (off + 2 > buf.length) return null;
  const tag = buf[off]!;
  let len = buf[off + 1]!;
  let p = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > buf.length) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  if (p + len > buf.length) return null;
  return { tag, start: p, end: p + len };
}

function children(buf: Buffer, d: Der): Der[] {
  const out: Der[] = [];
  let p = d.start;
  while (p < d.end) {
    const c = der(buf, p);
    if (!c) break;
    out.push(c);
    p = c.end;
  }
  return out;
}

function oid(buf: Buffer, d: Der): string {
  const b = buf.subarray(d.start, d.end);
  if (b.length === 0) return '';
  const parts = [Math.floor(b[0]! / 40), b[0]! % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

const SIG_ALGS: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'ED25519',
  '1.2.840.10040.4.3': 'dsaWithSHA1',
};
const KEY_ALGS: Record<string, string> = {
  '1.2.840.113549.1.1.1': 'rsaEncryption',
  '1.2.840.10045.2.1': 'id-ecPublicKey',
  '1.3.101.112': 'ED25519',
  '1.3.101.110': 'X25519',
  '1.2.840.10040.4.1': 'dsaEncryption',
};

export interface CertFacts {
  fingerprint: string;
  cert: X509Certificate;
  rec: Record<string, unknown>;
  subject: string;
  issuer: string;
  notBefore: number;
  notAfter: number;
  sanDns: string[];
}

/** Distinguished name as OpenSSL's RFC 2253 printing gives it (most specific RDN first). */
function dn(text: string): string {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .reverse()
    .map((l) => l.replace(/,/g, '\\,'))
    .join(',');
}

/** Parses a DER certificate; null when it is not one. */
export function certFacts(derBytes: Buffer, ts: number, hostCert: boolean): CertFacts | null {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(derBytes);
  } catch {
    return null;
  }
  const fingerprint = createHash('sha256').update(derBytes).digest('hex');
  let version = 1;
  let sigAlg = '';
  let keyAlg = '';
  let ca: boolean | undefined;
  let pathLen: number | undefined;
  const top = der(derBytes, 0);
  if (top) {
    const [tbs, sig] = children(derBytes, top);
    if (sig) {
      const so = children(derBytes, sig)[0];
      if (so) sigAlg = SIG_ALGS[oid(derBytes, so)] ?? oid(derBytes, so);
    }
    if (tbs) {
      const f = children(derBytes, tbs);
      let i = 0;
      if (f[0]?.tag === 0xa0) {
        const v = der(derBytes, f[0].start);
        if (v) version = derBytes[v.start]! + 1;
        i = 1;
      }
      const spki = f[i + 5];
      if (spki) {
        const alg = children(derBytes, spki)[0];
        const ao = alg ? children(derBytes, alg)[0] : undefined;
        if (ao) keyAlg = KEY_ALGS[oid(derBytes, ao)] ?? oid(derBytes, ao);
      }
      for (const ext of f.slice(i + 6)) {
        if (ext.tag !== 0xa3) continue;
        const seq = der(derBytes, ext.start);
        if (!seq) continue;
        for (const e of children(derBytes, seq)) {
          const parts = children(derBytes, e);
          if (parts.length < 2 || oid(derBytes, parts[0]!) !== '2.5.29.19') continue;
          const val = parts[parts.length - 1]!;
          const bc = der(derBytes, val.start);
          ca = false;
          if (bc) {
            for (const x of children(derBytes, bc)) {
              if (x.tag === 0x01) ca = derBytes[x.start] !== 0;
              if (x.tag === 0x02) pathLen = derBytes.readUIntBE(x.start, Math.min(6, x.end - x.start));
            }
          }
        }
      }
    }
  }
  const subject = dn(cert.subject);
  const issuer = dn(cert.issuer);
  const notBefore = Date.parse(cert.validFrom) / 1000;
  const notAfter = Date.parse(cert.validTo) / 1000;
  const key = cert.publicKey;
  const rec: Record<string, unknown> = {
    ts,
    fingerprint,
    'certificate.version': version,
    'certificate.serial': cert.serialNumber.toUpperCase(),
    'certificate.subject': subject,
    'certificate.issuer': issuer,
    'certificate.not_valid_before': notBefore,
    'certificate.not_valid_after': notAfter,
    'certificate.key_alg': keyAlg,
    'certificate.sig_alg': sigAlg,
  };
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') {
    rec['certificate.key_type'] = 'rsa';
    if (d?.modulusLength) rec['certificate.key_length'] = d.modulusLength;
    if (d?.publicExponent !== undefined) rec['certificate.exponent'] = String(d.publicExponent);
  } else if (key.asymmetricKeyType === 'ec') {
    rec['certificate.key_type'] = 'ecdsa';
    const curve = d?.namedCurve;
    if (curve) {
      rec['certificate.curve'] = curve;
      const bits = /(\d{3})/.exec(curve);
      if (bits) rec['certificate.key_length'] = Number(bits[1]);
    }
  } else if (key.asymmetricKeyType === 'dsa') {
    rec['certificate.key_type'] = 'dsa';
  }
  const sanDns: string[] = [];
  const sanUri: string[] = [];
  const sanEmail: string[] = [];
  const sanIp: string[] = [];
  for (const part of (cert.subjectAltName ?? '').split(/,\s*/)) {
    const i = part.indexOf(':');
    if (i < 0) continue;
    const k = part.slice(0, i);
    const v = part.slice(i + 1);
    if (k === 'DNS') sanDns.push(v);
    else if (k === 'URI') sanUri.push(v);
    else if (k === 'email') sanEmail.push(v);
    else if (k === 'IP Address') sanIp.push(v);
  }
  if (sanDns.length) rec['san.dns'] = sanDns;
  if (sanUri.length) rec['san.uri'] = sanUri;
  if (sanEmail.length) rec['san.email'] = sanEmail;
  if (sanIp.length) rec['san.ip'] = sanIp;
  if (ca !== undefined) rec['basic_constraints.ca'] = ca;
  if (pathLen !== undefined) rec['basic_constraints.path_len'] = pathLen;
  rec.host_cert = hostCert;
  rec.client_cert = false;
  return { fingerprint, cert, rec, subject, issuer, notBefore, notAfter, sanDns };
}

/** Node's bundled root certificates, parsed on first use (once per run). */
export class TrustAnchors {
  private roots: X509Certificate[] | null = null;

  list(): X509Certificate[] {
    if (!this.roots) {
      this.roots = [];
      for (const pem of rootCertificates) {
        try {
          this.roots.push(new X509Certificate(pem));
        } catch {
          // a root Node cannot parse cannot anchor anything
        }
      }
    }
    return this.roots;
  }
}

function signedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

/**
 * Validates a server chain (leaf first) at time `ts`: OpenSSL's status strings, 'ok' when the
 * chain reaches a Mozilla root.
 */
export function validateChain(chain: CertFacts[], ts: number, anchors: TrustAnchors): string {
  if (chain.length === 0) return 'no certificate';
  const store = anchors.list();
  for (const c of chain) {
    if (ts > c.notAfter) return 'certificate has expired';
    if (ts < c.notBefore) return 'certificate is not yet valid';
  }
  let cur = chain[0]!.cert;
  const used = new Set<number>([0]);
  for (let depth = 0; depth < 10; depth++) {
    if (store.some((r) => r.fingerprint256 === cur.fingerprint256 || signedBy(cur, r))) return 'ok';
    if (signedBy(cur, cur)) return depth === 0 ? 'self signed certificate' : 'self signed certificate in certificate chain';
    const next = chain.findIndex((c, i) => !used.has(i) && signedBy(cur, c.cert));
    if (next < 0) return depth === 0 ? 'unable to get local issuer certificate' : 'unable to get local issuer certificate';
    used.add(next);
    cur = chain[next]!.cert;
  }
  return 'certificate chain too long';
}
