// The indicator tables every threat-intelligence lookup reads: built once from the feeds, then
// read-only on the hot path. IPv4 addresses live in an open-addressing hash table over typed
// arrays (one or two cache misses per lookup), everything else in hash maps; CIDR ranges are looked up by
// longest prefix through one map per prefix length; domains match exactly or by a parent domain.
import type { ThreatLevel } from '../evidence/types.js';
import { THREAT_VALUE } from '../evidence/types.js';
import { ipv6Words, parseIPv4, parseIPv6 } from '../util/ip.js';
import { DomainTable } from '../util/domain-table.js';
import { HashFilter } from '../util/hash-filter.js';

/** What a feed says about one indicator. Shared between indicators with the same facts. */
export interface IocInfo {
  readonly description: string;
  /** Feed file name(s), comma-separated when the indicator is in several feeds. */
  readonly source: string;
  readonly threat_level: ThreatLevel;
  readonly tags: readonly string[];
}

export type IocKind = 'ip' | 'range' | 'domain' | 'url' | 'asn' | 'ja3' | 'ssl' | 'jarm' | 'md5';

/** A domain or range match, with how it matched. */
export interface DomainMatch { info: IocInfo; /** The listed domain (the queried one or a parent). */ listed: string; exact: boolean }
export interface RangeMatch { info: IocInfo; range: string }

const THREAT_LEVELS: readonly ThreatLevel[] = ['info', 'low', 'medium', 'high', 'critical'];
export const isThreatLevel = (s: string): s is ThreatLevel => (THREAT_LEVELS as readonly string[]).includes(s);

/**
 * Several feeds list the same indicator: the highest threat level wins (its description is kept),
 * every feed is named and the tags are united. (The original kept whichever feed was parsed last.)
 */
export function mergeInfo(a: IocInfo, b: IocInfo): IocInfo {
  if (a === b) return a;
  const sources = a.source.split(', ');
  const newSources = b.source.split(', ').filter((s) => !sources.includes(s));
  const tags = [...a.tags, ...b.tags.filter((t) => !a.tags.includes(t))];
  if (newSources.length === 0 && tags.length === a.tags.length && THREAT_VALUE[b.threat_level] <= THREAT_VALUE[a.threat_level]) return a;
  const top = THREAT_VALUE[b.threat_level] > THREAT_VALUE[a.threat_level] ? b : a;
  return { description: top.description, threat_level: top.threat_level, source: [...sources, ...newSources].join(', '), tags };
}

/** Interns info objects so a million indicators from one feed share a handful of objects. */
export class InfoInterner {
  private readonly byKey = new Map<string, IocInfo>();
  get(description: string, source: string, threat_level: ThreatLevel, tags: readonly string[]): IocInfo {
    const key = `${source}\u0000${threat_level}\u0000${tags.join('\u0001')}\u0000${description}`;
    let i = this.byKey.get(key);
    if (!i) { i = { description, source, threat_level, tags }; this.byKey.set(key, i); }
    return i;
  }
}

function v6Key(w: Uint32Array, prefix: number): string {
  let key = '';
  for (let j = 0; j < 4; j++) {
    const bits = Math.min(32, Math.max(0, prefix - j * 32));
    const mask = bits === 0 ? 0 : bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    key += ((w[j]! & mask) >>> 0).toString(16) + ':';
  }
  return key;
}
/**
 * IPv4 address -> info: open addressing with linear probing over a Uint32Array of keys (0.0.0.0,
 * never an indicator, marks a free slot). One or two cache misses per lookup, ~12 bytes a slot.
 */
export class U32Map<V> {
  private keys: Uint32Array;
  private vals: (V | undefined)[];
  private mask: number;
  /** Turns away most unlisted addresses before the (much larger) key array is touched. */
  private filter: HashFilter;
  size = 0;
  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.keys = new Uint32Array(cap);
    this.vals = new Array<V | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
    this.filter = new HashFilter(cap);
  }
  private slot(k: number, h: number): number {
    const keys = this.keys, mask = this.mask;
    let i = h & mask;
    for (;;) {
      const x = keys[i]!;
      if (x === k || x === 0) return i;
      i = (i + 1) & mask;
    }
  }
  get(k: number): V | undefined {
    if (k === 0) return undefined;
    const h = hash32(k);
    if (!this.filter.mayHave(h)) return undefined;
    const i = this.slot(k, h);
    // Most addresses are not listed: answer from the key array alone (one cache miss, not two).
    return this.keys[i] === k ? this.vals[i] : undefined;
  }
  set(k: number, v: V): void {
    if (k === 0) return;
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const h = hash32(k);
    const i = this.slot(k, h);
    if (this.keys[i] === 0) { this.keys[i] = k; this.size++; this.filter.add(h); }
    this.vals[i] = v;
  }
  private grow(): void {
    const oldKeys = this.keys, oldVals = this.vals;
    this.keys = new Uint32Array(oldKeys.length * 2);
    this.vals = new Array<V | undefined>(oldKeys.length * 2).fill(undefined);
    this.mask = this.keys.length - 1;
    this.filter = new HashFilter(this.keys.length);
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i]!;
      if (k !== 0) { const h = hash32(k); const j = this.slot(k, h); this.keys[j] = k; this.vals[j] = oldVals[i]; this.filter.add(h); }
    }
  }
}

/** Multiplicative (Fibonacci) hash of a 32-bit key. */
const hash32 = (k: number): number => Math.imul(k, 0x9e3779b1) >>> 0;

const v4Mask = (p: number): number => (p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0);

export class IocStore {
  private readonly v4 = new U32Map<IocInfo>();
  private readonly v6 = new Map<string, IocInfo>();
  /** prefix length -> masked network -> info; lengths kept longest first. */
  private readonly ranges4 = new Map<number, Map<number, RangeMatch>>();
  private readonly ranges6 = new Map<number, Map<string, RangeMatch>>();
  private lengths4: number[] = [];
  private lengths6: number[] = [];
  readonly domains = new DomainTable<IocInfo>();
  readonly urls = new Map<string, IocInfo>();
  /** Hosts of the listed URLs: most requests go to a host with no listed URL and need no URL built. */
  private readonly urlHosts = new DomainTable<true>();
  readonly asns = new Map<string, IocInfo>();
  readonly ja3 = new Map<string, IocInfo>();
  readonly ssl = new Map<string, IocInfo>();
  readonly jarm = new Map<string, IocInfo>();
  readonly md5 = new Map<string, IocInfo>();
  /** Tor exit relays (TOR_EXIT_NODE), and the top-domains list the whitelist may use. */
  readonly torExits = new Set<string>();
  readonly topDomains = new Set<string>();
  private readonly w6 = new Uint32Array(4);

  private put<K>(m: Map<K, IocInfo>, k: K, info: IocInfo): void {
    const old = m.get(k);
    m.set(k, old ? mergeInfo(old, info) : info);
  }

  /** Adds an IP address (v4 or v6, as text); false if it is not an address. */
  addIp(ip: string, info: IocInfo): boolean {
    const n = parseIPv4(ip);
    if (n !== null) {
      const old = this.v4.get(n);
      this.v4.set(n, old ? mergeInfo(old, info) : info);
      return true;
    }
    const g = parseIPv6(ip);
    if (!g) return false;
    ipv6Words(g, this.w6);
    this.put(this.v6, v6Key(this.w6, 128), info);
    return true;
  }

  /** Adds a CIDR block; a /32 or /128 becomes an address. False if it is not a network. */
  addRange(cidr: string, info: IocInfo): boolean {
    const slash = cidr.indexOf('/');
    if (slash < 0) return this.addIp(cidr, info);
    const addr = cidr.slice(0, slash), p = Number(cidr.slice(slash + 1));
    if (!Number.isInteger(p) || p < 0) return false;
    const n = parseIPv4(addr);
    if (n !== null) {
      if (p > 32) return false;
      if (p === 32) return this.addIp(addr, info);
      let m = this.ranges4.get(p);
      if (!m) { m = new Map(); this.ranges4.set(p, m); this.lengths4 = [...this.ranges4.keys()].sort((a, b) => b - a); }
      this.putRange(m, (n & v4Mask(p)) >>> 0, cidr, info);
      return true;
    }
    const g = parseIPv6(addr);
    if (!g || p > 128) return false;
    if (p === 128) return this.addIp(addr, info);
    let m = this.ranges6.get(p);
    if (!m) { m = new Map(); this.ranges6.set(p, m); this.lengths6 = [...this.ranges6.keys()].sort((a, b) => b - a); }
    ipv6Words(g, this.w6);
    this.putRange(m, v6Key(this.w6, p), cidr, info);
    return true;
  }

  private putRange<K>(m: Map<K, RangeMatch>, k: K, range: string, info: IocInfo): void {
    const old = m.get(k);
    m.set(k, { info: old ? mergeInfo(old.info, info) : info, range: old?.range ?? range });
  }

  addDomain(d: string, info: IocInfo): void { this.domains.set(d, info, mergeInfo); }
  addUrl(u: string, info: IocInfo): void {
    const url = normaliseUrl(u);
    this.put(this.urls, url, info);
    const slash = url.indexOf('/');
    this.urlHosts.set(slash < 0 ? url : url.slice(0, slash), true);
  }
  addAsn(asn: string, info: IocInfo): void { this.put(this.asns, asn.toUpperCase(), info); }
  addJa3(h: string, info: IocInfo): void { this.put(this.ja3, h.toLowerCase(), info); }
  addSsl(sha1: string, info: IocInfo): void { this.put(this.ssl, sha1.toLowerCase(), info); }
  addJarm(h: string, info: IocInfo): void { this.put(this.jarm, h.toLowerCase(), info); }
  addMd5(h: string, info: IocInfo): void { this.put(this.md5, h.toLowerCase(), info); }

  /** Kept for callers that mark the end of loading; the tables need no finishing step. */
  seal(): void { /* nothing to do */ }

  get ipCount(): number { return this.v4.size + this.v6.size; }
  get rangeCount(): number {
    let n = 0;
    for (const m of this.ranges4.values()) n += m.size;
    for (const m of this.ranges6.values()) n += m.size;
    return n;
  }

  /** Exact address match. */
  lookupIp(ip: string): IocInfo | undefined {
    const n = parseIPv4(ip);
    if (n !== null) {
      return this.v4.get(n);
    }
    if (this.v6.size === 0) return undefined;
    const g = parseIPv6(ip);
    if (!g) return undefined;
    ipv6Words(g, this.w6);
    return this.v6.get(v6Key(this.w6, 128));
  }

  /** Exact match of an IPv4 address given as a number (no parsing on the hot path). */
  lookupIPv4(n: number): IocInfo | undefined { return this.v4.size ? this.v4.get(n) : undefined; }

  /** Longest listed IPv4 network containing the address given as a number. */
  lookupRangeIPv4(n: number): RangeMatch | undefined {
    for (const p of this.lengths4) {
      const hit = this.ranges4.get(p)!.get((n & v4Mask(p)) >>> 0);
      if (hit) return hit;
    }
    return undefined;
  }

  /** The address's own entry, else that of the longest listed network holding it. */
  lookupAddress(ip: string): IocInfo | undefined { return this.lookupIp(ip) ?? this.lookupRange(ip)?.info; }
  /** lookupAddress for an IPv4 address given as a number. */
  lookupAddressIPv4(n: number): IocInfo | undefined { return this.lookupIPv4(n) ?? this.lookupRangeIPv4(n)?.info; }

  /** Longest listed network containing the address. */
  lookupRange(ip: string): RangeMatch | undefined {
    if (this.lengths4.length) {
      const n = parseIPv4(ip);
      if (n !== null) return this.lookupRangeIPv4(n);
    }
    if (!this.lengths6.length) return undefined;
    const g = parseIPv6(ip);
    if (!g) return undefined;
    ipv6Words(g, this.w6);
    for (const p of this.lengths6) {
      const hit = this.ranges6.get(p)!.get(v6Key(this.w6, p));
      if (hit) return hit;
    }
    return undefined;
  }

  /** The domain itself, else its closest listed parent (e.g. a.b.evil.com -> evil.com). Allocates only on a match. */
  lookupDomain(domain: string): DomainMatch | undefined {
    if (this.domains.size === 0 || !domain) return undefined;
    const i = this.domains.matchIndex(domain);
    if (i < 0) return undefined;
    return { info: this.domains.valueAt(i), listed: this.domains.nameAt(i), exact: this.domains.lastExact };
  }

  lookupUrl(url: string): IocInfo | undefined { return this.urls.size ? this.urls.get(normaliseUrl(url)) : undefined; }
  /** The URL made of a request's host and path is listed; builds the URL only when the host has listed URLs. */
  hostHasListedUrls(host: string): boolean { return this.urlHosts.size > 0 && this.urlHosts.has(host); }
  lookupAsn(asn: string): IocInfo | undefined { return this.asns.size ? this.asns.get(asn.toUpperCase()) : undefined; }
  lookupJa3(h: string): IocInfo | undefined { return h && this.ja3.size ? this.ja3.get(h.toLowerCase()) : undefined; }
  lookupSsl(sha1: string): IocInfo | undefined { return sha1 && this.ssl.size ? this.ssl.get(sha1.toLowerCase()) : undefined; }
  isTorExit(ip: string): boolean { return this.torExits.size > 0 && this.torExits.has(ip); }

  /** One line describing what is loaded. */
  summary(): string {
    return `${this.ipCount} IPs, ${this.rangeCount} ranges, ${this.domains.size} domains, ${this.urls.size} URLs, ` +
      `${this.asns.size} ASNs, ${this.ja3.size} JA3, ${this.ssl.size} SSL SHA1, ${this.jarm.size} JARM, ` +
      `${this.torExits.size} Tor exit nodes, ${this.topDomains.size} top domains`;
  }
}

/** URLs match without scheme or a trailing slash, case-insensitively in the host only. */
export function normaliseUrl(u: string): string {
  let s = u.trim();
  const scheme = s.indexOf('://');
  if (scheme >= 0) s = s.slice(scheme + 3);
  const slash = s.indexOf('/');
  const host = (slash < 0 ? s : s.slice(0, slash)).toLowerCase();
  let rest = slash < 0 ? '' : s.slice(slash);
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  return host + rest;
}
