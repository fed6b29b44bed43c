// Feed file parsers: the original's local CSV (`ioc,threat_level,description`), plain lists of
// IPs / CIDRs / domains / URLs / ASNs, hosts files, CSV feeds with a header, Zeek intel files,
// JA3 / JA3S, SSL certificate SHA1 and JARM lists, the Tor exit list and top-domain lists.
import type { ThreatLevel } from '../evidence/types.js';
import { isIgnoredIp, isIgnoredIPv4, parseIPv4, parseIPv6 } from '../util/ip.js';
import { InfoInterner, IocStore, isThreatLevel } from './ioc-store.js';

/** What a feed file feeds: general indicators, fingerprints, or the two special lists. */
export type FeedRole = 'ti' | 'ja3' | 'ssl' | 'jarm' | 'tor' | 'top_domains';

export interface FeedMeta {
  /** Feed file name, shown as "Source:" / "Found in feed:". */
  source: string;
  /** Level of every indicator without a level of its own. */
  threatLevel: ThreatLevel;
  tags: string[];
  /** Local files may give a level per line (`ioc,threat_level,description`). */
  perLineLevels: boolean;
}

export interface ParseResult {
  /** Indicators added. */
  added: number;
  /** Data lines that held no usable indicator (private IPs, garbage, unsupported types). */
  skipped: number;
  /** Data lines seen (not blank, not comments, not the header). */
  lines: number;
  /** Data lines with no recognisable indicator at all (corrupt content shows here). */
  invalid: number;
}

/** The tag local-file indicators carry, as the original. */
export const LOCAL_TAG = 'local TI file';

export type IocClass = 'ip' | 'range' | 'domain' | 'url' | 'asn' | 'md5' | 'sha1' | 'sha256' | 'jarm';

const HEX = /^[0-9a-f]+$/i;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/i;
const ASN = /^AS\d{1,10}$/i;

/** What kind of indicator a token is, or null. */
export function classifyIoc(s: string): IocClass | null {
  if (!s) return null;
  if (parseIPv4(s) !== null) return 'ip';
  const c = s.charCodeAt(0);
  if (s.includes(':') && !s.includes('/') && !s.includes('.') && parseIPv6(s)) return 'ip';
  const slash = s.indexOf('/');
  if (slash > 0 && !s.includes('://')) {
    const addr = s.slice(0, slash), p = s.slice(slash + 1);
    if (/^\d{1,3}$/.test(p) && (parseIPv4(addr) !== null || parseIPv6(addr))) return 'range';
  }
  if (s.includes('://')) return 'url';
  if (ASN.test(s)) return 'asn';
  if (HEX.test(s)) {
    if (s.length === 32) return 'md5';
    if (s.length === 40) return 'sha1';
    if (s.length === 64) return 'sha256';
    if (s.length === 62) return 'jarm';
  }
  if (s.includes(':') && parseIPv6(s)) return 'ip';
  if (slash > 0 && DOMAIN.test(s.slice(0, slash))) return 'url';
  if (c !== 46 && DOMAIN.test(s)) return 'domain';
  return null;
}

const stripQuotes = (s: string): string => {
  let t = s.trim();
  if (t.length >= 2 && ((t[0] === '"' && t.endsWith('"')) || (t[0] === "'" && t.endsWith("'")))) t = t.slice(1, -1).trim();
  return t;
};

/** Splits a CSV line honouring double quotes. */
export function splitCsv(line: string, sep: string): string[] {
  if (!line.includes('"')) return line.split(sep).map((x) => x.trim());
  const out: string[] = [];
  let cur = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '"') {
      if (quoted && line[i + 1] === '"') { cur += '"'; i++; } else quoted = !quoted;
    } else if (ch === sep && !quoted) { out.push(cur.trim()); cur = ''; } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

function pickSeparator(line: string): string | null {
  for (const sep of ['\t', ',', ';', '|']) if (line.includes(sep)) return sep;
  return /\s/.test(line.trim()) ? ' ' : null;
}

const splitBy = (line: string, sep: string | null): string[] =>
  sep === null ? [line.trim()] : sep === ' ' ? line.trim().split(/\s+/) : splitCsv(line, sep).map(stripQuotes);

/** Strips an inline " # comment" (a "#" after whitespace; URLs keep their fragments). */
function stripInlineComment(line: string): string {
  const i = line.search(/\s[#;]/);
  return i >= 0 ? line.slice(0, i) : line;
}

const isCommentOrBlank = (t: string): boolean => t.length < 3 || t[0] === '#' || t[0] === ';' || t.startsWith('//');

const HOSTS_PREFIXES = ['0.0.0.0', '127.0.0.1', '::1', '::'];


const ignoredAddress = (s: string): boolean => {
  const n = parseIPv4(s);
  return n !== null ? isIgnoredIPv4(n) : isIgnoredIp(s);
};

/** Adds one indicator of a known class; false when it is not wanted (private IPs, hashes in a TI feed, ...). */
function addIoc(store: IocStore, cls: IocClass, value: string, info: ReturnType<InfoInterner['get']>): boolean {
  switch (cls) {
    case 'ip': return !ignoredAddress(value) && store.addIp(value, info);
    case 'range': {
      const addr = value.slice(0, value.indexOf('/'));
      // Networks whose address is private, reserved, ... are not threat intelligence (the original's rule).
      return !ignoredAddress(addr) && store.addRange(value, info);
    }
    case 'domain': store.addDomain(value, info); return true;
    case 'url': store.addUrl(value, info); return true;
    case 'asn': store.addAsn(value, info); return true;
    case 'md5': store.addMd5(value, info); return true;
    case 'sha1': store.addSsl(value, info); return true;
    case 'jarm': store.addJarm(value, info); return true;
    case 'sha256': return false;
  }
}

const DESC_HEADER = /desc|collect|malware|tags_str|source|reason|comment|threat/i;

/** General indicators: local CSV, plain lists, hosts files, header CSV feeds, Zeek intel. */
function parseTi(text: string, meta: FeedMeta, store: IocStore, interner: InfoInterner): ParseResult {
  const res: ParseResult = { added: 0, skipped: 0, lines: 0, invalid: 0 };
  const lines = text.split(/\r?\n/);
  let sep: string | null | undefined;
  let iocCol = -1, descCol = -1, levelCol = -1;
  let header: string[] | null = null;
  // Zeek intel framework: "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc ..."
  let zeek: { ind: number; type: number; desc: number } | null = null;
  const defaultInfo = interner.get('', meta.source, meta.threatLevel, meta.tags);

  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith('#fields')) {
      const cols = line.split(/\t/).slice(1);
      const ind = cols.indexOf('indicator');
      if (ind >= 0) { zeek = { ind, type: cols.indexOf('indicator_type'), desc: cols.findIndex((c) => c === 'meta.desc') }; sep = '\t'; }
      continue;
    }
    if (isCommentOrBlank(line)) {
      // A commented header ("# ja3_md5,Firstseen,...", "# Listingdate,SHA1,...") still names the columns.
      if (line.startsWith('#') && !header && line.includes(',')) header = splitCsv(line.replace(/^#\s*/, ''), ',');
      continue;
    }
    const body = stripInlineComment(line);
    if (sep === undefined) sep = pickSeparator(body);
    let cols = splitBy(body, sep);
    if (zeek) {
      const value = cols[zeek.ind] ?? '';
      const type = zeek.type >= 0 ? cols[zeek.type] ?? '' : '';
      const desc = zeek.desc >= 0 && cols[zeek.desc] && cols[zeek.desc] !== '-' ? cols[zeek.desc]! : '';
      res.lines++;
      const cls = zeekIntelClass(type) ?? classifyIoc(value);
      const info = desc ? interner.get(desc, meta.source, meta.threatLevel, meta.tags) : defaultInfo;
      if (!cls) res.invalid++;
      if (cls && addIoc(store, cls, value, info)) res.added++; else res.skipped++;
      continue;
    }
    // Hosts-file lines: "0.0.0.0 bad.example".
    if (cols.length >= 2 && HOSTS_PREFIXES.includes(cols[0]!) && sep === ' ') cols = [cols[1]!, ...cols.slice(2)];
    if (iocCol < 0) {
      iocCol = cols.findIndex((c) => classifyIoc(c) !== null);
      if (iocCol < 0) {
        // A header row: remember it to find the description column.
        if (!header) { header = cols; continue; }
        res.lines++; res.skipped++; res.invalid++; continue;
      }
      if (meta.perLineLevels && cols.length >= 3 && isThreatLevel(cols[iocCol + 1]!.toLowerCase())) levelCol = iocCol + 1;
      if (header) descCol = header.findIndex((h, i) => i !== iocCol && DESC_HEADER.test(h));
      if (descCol < 0 && cols.length > 1) descCol = cols.length - 1;
      if (descCol === iocCol || descCol === levelCol) descCol = levelCol >= 0 && cols.length > levelCol + 1 ? levelCol + 1 : -1;
    }
    res.lines++;
    const value = cols[iocCol] ?? '';
    const cls = classifyIoc(value);
    if (!cls) { res.skipped++; res.invalid++; continue; }
    let level = meta.threatLevel;
    if (levelCol >= 0) {
      const l = (cols[levelCol] ?? '').trim().toLowerCase();
      if (isThreatLevel(l)) level = l;
    }
    const desc = descCol >= 0 ? (meta.perLineLevels ? cols.slice(descCol).join(', ') : cols[descCol] ?? '') : '';
    const info = desc || level !== meta.threatLevel ? interner.get(desc, meta.source, level, meta.tags) : defaultInfo;
    if (addIoc(store, cls, value, info)) res.added++; else res.skipped++;
  }
  return res;
}

function zeekIntelClass(t: string): IocClass | null {
  switch (t) {
    case 'Intel::ADDR': return 'ip';
    case 'Intel::SUBNET': return 'range';
    case 'Intel::DOMAIN': return 'domain';
    case 'Intel::URL': return 'url';
    case 'Intel::CERT_HASH': return 'sha1';
    default: return null;
  }
}

/** Hash lists (JA3 / JA3S md5, SSL SHA1, JARM): first column of the right length; level and description columns. */
function parseHashes(text: string, role: 'ja3' | 'ssl' | 'jarm', meta: FeedMeta, store: IocStore, interner: InfoInterner): ParseResult {
  const len = role === 'ja3' ? 32 : role === 'ssl' ? 40 : 62;
  const res: ParseResult = { added: 0, skipped: 0, lines: 0, invalid: 0 };
  let header: string[] | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    if (line[0] === '#' || line[0] === ';') {
      if (!header && line.includes(',')) header = splitCsv(line.replace(/^#\s*/, ''), ',').map((h) => h.toLowerCase());
      continue;
    }
    const cols = splitCsv(line, line.includes(',') ? ',' : line.includes('\t') ? '\t' : ' ').map(stripQuotes);
    const hi = cols.findIndex((c) => c.length === len && HEX.test(c));
    if (hi < 0) {
      if (!header && res.lines === 0) { header = cols.map((h) => h.toLowerCase()); continue; }
      res.lines++; res.skipped++; res.invalid++; continue;
    }
    res.lines++;
    let level = meta.threatLevel;
    let descCol = -1;
    // Local files: "hash,threat_level,description". (The original inverted the level check.)
    const maybeLevel = (cols[hi + 1] ?? '').toLowerCase();
    if (isThreatLevel(maybeLevel)) { level = maybeLevel; descCol = hi + 2; }
    if (descCol < 0 && header) descCol = header.findIndex((h) => h.includes('listingreason') || h.includes('desc'));
    if (descCol < 0 || descCol >= cols.length) descCol = cols.length > 1 ? cols.length - 1 : -1;
    if (descCol === hi) descCol = -1;
    const desc = descCol >= 0 ? cols[descCol] ?? '' : '';
    const info = interner.get(desc, meta.source, level, meta.tags);
    const h = cols[hi]!;
    if (role === 'ja3') store.addJa3(h, info); else if (role === 'ssl') store.addSsl(h, info); else store.addJarm(h, info);
    res.added++;
  }
  return res;
}

/** Tor bulk exit list (one address per line) or the "ExitAddress <ip> <date>" format. */
function parseTor(text: string, store: IocStore): ParseResult {
  const res: ParseResult = { added: 0, skipped: 0, lines: 0, invalid: 0 };
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (isCommentOrBlank(line)) continue;
    if (line.startsWith('ExitAddress ')) line = line.split(/\s+/)[1] ?? '';
    else if (/^(ExitNode|Published|LastStatus) /.test(line)) continue;
    res.lines++;
    if (classifyIoc(line) === 'ip') { store.torExits.add(line); res.added++; } else { res.skipped++; res.invalid++; }
  }
  return res;
}

/** Top-domains list: "rank,domain" (Tranco) or one domain per line. */
function parseTopDomains(text: string, store: IocStore): ParseResult {
  const res: ParseResult = { added: 0, skipped: 0, lines: 0, invalid: 0 };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (isCommentOrBlank(line)) continue;
    res.lines++;
    const c = line.indexOf(',');
    const d = (c >= 0 ? line.slice(c + 1) : line).trim().toLowerCase();
    if (DOMAIN.test(d)) { store.topDomains.add(d); res.added++; } else { res.skipped++; res.invalid++; }
  }
  return res;
}

export function parseFeed(text: string, role: FeedRole, meta: FeedMeta, store: IocStore, interner: InfoInterner): ParseResult {
  switch (role) {
    case 'ti': return parseTi(text, meta, store, interner);
    case 'ja3': case 'ssl': case 'jarm': return parseHashes(text, role, meta, store, interner);
    case 'tor': return parseTor(text, store);
    case 'top_domains': return parseTopDomains(text, store);
  }
}

/** Why downloaded content is not a feed, or null if it looks like one. */
export function rejectReason(text: string, res: ParseResult): string | null {
  const head = text.slice(0, 2048).toLowerCase();
  if (text.includes('\u0000')) return 'binary content';
  if (head.includes('<html') || head.includes('<!doctype')) return 'an HTML page, not a feed';
  if (res.lines > 0 && res.invalid === res.lines) return `none of its ${res.lines} data lines holds an indicator`;
  if (res.lines >= 20 && res.invalid > res.lines / 2) return `${res.invalid} of its ${res.lines} data lines hold no indicator`;
  return null;
}
