// IP address helpers with the semantics of Python's `ipaddress` module, which the
// original Slips uses for every "is private / multicast / reserved" decision.
import { isIP } from 'node:net';

/** Parsed address: IPv4 as one 32-bit number, IPv6 as eight 16-bit groups. */
export type ParsedIp = { v: 4; n: number } | { v: 6; g: Uint16Array };

export function parseIPv4(s: string): number | null {
  let n = 0, part = 0, digits = 0, dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return null;
      n = n * 256 + part; part = 0; digits = 0; dots++;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48); digits++;
      if (digits > 3) return null;
    } else return null;
  }
  if (dots !== 3 || digits === 0 || part > 255) return null;
  return n * 256 + part;
}

export function parseIPv6(s: string): Uint16Array | null {
  if (isIP(s) !== 6) return null;
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  // Rewrite an embedded IPv4 tail (::ffff:1.2.3.4) as two hex groups.
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) >= 0) {
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const g = new Uint16Array(8);
  const gap = s.indexOf('::');
  const groups = (p: string): number[] => (p === '' ? [] : p.split(':').map((x) => parseInt(x, 16)));
  const head = groups(gap < 0 ? s : s.slice(0, gap));
  const tail = gap < 0 ? [] : groups(s.slice(gap + 2));
  head.forEach((x, i) => { g[i] = x; });
  tail.forEach((x, i) => { g[8 - tail.length + i] = x; });
  return g;
}

/** An IPv6 address's eight 16-bit groups as four big-endian 32-bit words, written into `out`. */
export function ipv6Words(g: Uint16Array, out: Uint32Array): void {
  for (let j = 0; j < 4; j++) out[j] = ((g[j * 2]! << 16) | g[j * 2 + 1]!) >>> 0;
}

export function parseIp(s: string): ParsedIp | null {
  const v4 = parseIPv4(s);
  if (v4 !== null) return { v: 4, n: v4 };
  const v6 = parseIPv6(s);
  return v6 ? { v: 6, g: v6 } : null;
}

export function isIpAddress(s: string): boolean {
  return parseIPv4(s) !== null || isIP(s) === 6;
}

/** A CIDR block that can test membership quickly. */
export class Cidr {
  readonly text: string;
  readonly version: 4 | 6;
  private readonly v4Base: number = 0;
  private readonly v4Mask: number = 0;
  private readonly v6: Uint16Array | null = null;
  readonly prefix: number;
  constructor(text: string) {
    const slash = text.indexOf('/');
    const addr = slash < 0 ? text : text.slice(0, slash);
    const p = parseIp(addr);
    if (!p) throw new Error(`invalid network address: ${text}`);
    this.version = p.v;
    const max = p.v === 4 ? 32 : 128;
    this.prefix = slash < 0 ? max : Number(text.slice(slash + 1));
    if (!Number.isInteger(this.prefix) || this.prefix < 0 || this.prefix > max) throw new Error(`invalid prefix length: ${text}`);
    if (p.v === 4) {
      this.v4Mask = this.prefix === 0 ? 0 : (0xffffffff << (32 - this.prefix)) >>> 0;
      this.v4Base = (p.n & this.v4Mask) >>> 0;
      this.text = `${formatIPv4(this.v4Base)}/${this.prefix}`;
    } else {
      this.v6 = p.g;
      this.text = `${addr}/${this.prefix}`;
    }
  }
  contains(ip: ParsedIp | null): boolean {
    if (!ip || ip.v !== this.version) return false;
    if (ip.v === 4) return ((ip.n & this.v4Mask) >>> 0) === this.v4Base;
    let bits = this.prefix;
    for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
      const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
      if ((ip.g[i]! & mask) !== (this.v6![i]! & mask)) return false;
    }
    return true;
  }
  containsText(ip: string): boolean { return this.contains(parseIp(ip)); }
  /** An IPv4 address given as a number. */
  containsV4(n: number): boolean { return this.version === 4 && ((n & this.v4Mask) >>> 0) === this.v4Base; }
}

export function formatIPv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

const cidrs = (list: string[]): Cidr[] => list.map((c) => new Cidr(c));
// Python 3.11 ipaddress tables.
const PRIVATE4 = cidrs(['0.0.0.0/8', '10.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/29',
  '192.0.0.170/31', '192.0.2.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24',
  '240.0.0.0/4', '255.255.255.255/32']);
const PRIVATE6 = cidrs(['::1/128', '::/128', '::ffff:0:0/96', '100::/64', '2001::/23', '2001:2::/48', '2001:db8::/32',
  '2001:10::/28', 'fc00::/7', 'fe80::/10']);
const RESERVED6 = cidrs(['::/8', '100::/8', '200::/7', '400::/6', '800::/5', '1000::/4', '4000::/3', '6000::/3',
  '8000::/3', 'a000::/3', 'c000::/3', 'e000::/4', 'f000::/5', 'f800::/6', 'fe00::/9']);
export const HOME_NETWORKS = cidrs(['192.168.0.0/16', '172.16.0.0/12', '10.0.0.0/8']);

/** Facts about one address, computed once and cached (the same IPs recur in millions of flows). */
export interface IpFacts {
  readonly valid: boolean;
  readonly version: 0 | 4 | 6;
  readonly parsed: ParsedIp | null;
  readonly private: boolean;
  readonly multicast: boolean;
  readonly linkLocal: boolean;
  readonly loopback: boolean;
  readonly reserved: boolean;
  readonly unspecified: boolean;
}

const INVALID: IpFacts = { valid: false, version: 0, parsed: null, private: false, multicast: false, linkLocal: false,
  loopback: false, reserved: false, unspecified: false };
/**
 * Facts about one address, computed afresh (pure). The analysis asks the same few addresses
 * millions of times: it goes through the run's AddressFacts (util/address-facts.ts), which
 * remembers the answers.
 */
export function ipFacts(s: string): IpFacts { return computeFacts(s); }

function computeFacts(s: string): IpFacts {
  const p = parseIp(s);
  if (!p) return INVALID;
  if (p.v === 4) {
    const a = p.n >>> 24;
    return { valid: true, version: 4, parsed: p, private: PRIVATE4.some((c) => c.contains(p)),
      multicast: a >= 224 && a <= 239, linkLocal: (p.n >>> 16) === 0xa9fe, loopback: a === 127,
      reserved: a >= 240, unspecified: p.n === 0 };
  }
  const g0 = p.g[0]!;
  const allZero = p.g.every((x) => x === 0);
  const loop = p.g.slice(0, 7).every((x) => x === 0) && p.g[7] === 1;
  return { valid: true, version: 6, parsed: p, private: PRIVATE6.some((c) => c.contains(p)),
    multicast: (g0 & 0xff00) === 0xff00, linkLocal: (g0 & 0xffc0) === 0xfe80, loopback: loop,
    reserved: RESERVED6.some((c) => c.contains(p)), unspecified: allZero };
}

/** Python's is_private for an IPv4 address given as a number (no allocation). */
export function isPrivateIPv4(n: number): boolean {
  for (const c of PRIVATE4) if (c.containsV4(n)) return true;
  return false;
}

export const isPrivateIp = (s: string): boolean => { const n = parseIPv4(s); return n !== null ? isPrivateIPv4(n) : ipFacts(s).private; };
export const isMulticastIp = (s: string): boolean => { const n = parseIPv4(s); return n !== null ? n >>> 28 === 14 : ipFacts(s).multicast; };

/**
 * `isIgnoredIp` for an IPv4 address given as a number (Python's private, loopback, link-local,
 * multicast and reserved blocks): no text and no facts cache, for hot paths and bulk loads.
 */
export function isIgnoredIPv4(n: number): boolean {
  const a = n >>> 24, b = (n >>> 16) & 255, c = (n >>> 8) & 255, d = n & 255;
  return a === 0 || a === 10 || a === 127 || a >= 224 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31)
    || (a === 192 && b === 168) || (a === 192 && b === 0 && c === 2) || (a === 192 && b === 0 && c === 0 && (d < 8 || d === 170 || d === 171))
    || (a === 198 && (b === 18 || b === 19)) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113);
}

/** Slips' `is_ignored_ip`: not worth looking up or alerting about as a remote peer. */
export function isIgnoredIp(s: string): boolean {
  const n = parseIPv4(s);
  if (n !== null) return isIgnoredIPv4(n);
  const f = ipFacts(s);
  return !f.valid || f.multicast || f.private || f.linkLocal || f.loopback || f.reserved;
}

/** The RFC1918 block an address belongs to, as Slips' local-network guess uses it. */
export function homeNetworkOf(s: string): Cidr | null {
  const f = ipFacts(s);
  return HOME_NETWORKS.find((c) => c.contains(f.parsed)) ?? null;
}
