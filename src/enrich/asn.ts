// IP -> autonomous system (number and organisation), offline, from the `@ip-location-db/asn`
// package (RouteViews + RIR + DB-IP Lite data, CC-BY-4.0). The package ships CSV ranges; they are
// turned once into a compact sorted table (typed arrays + one string list of organisations) and
// looked up by binary search. The table is cached on disk next to the package
// (node_modules/.cache/slips-ts) so later runs load it in milliseconds; `npm run build` or
// `node --import tsx src/enrich/asn.ts` precomputes it.
import { readFileSync, writeFileSync, mkdirSync, existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseIPv4, parseIPv6 } from '../util/ip.js';

export interface AsnInfo {
  /** "AS15169" */
  readonly number: string;
  /** Organisation name as the database spells it, e.g. "Google LLC". */
  readonly org: string;
}

/** Sorted, non-overlapping ranges. IPv6 keys are four big-endian 32-bit words per entry. */
export interface AsnTable {
  v4Start: Uint32Array; v4End: Uint32Array; v4Asn: Uint32Array; v4Org: Uint32Array;
  v6Start: Uint32Array; v6End: Uint32Array; v6Asn: Uint32Array; v6Org: Uint32Array;
  orgs: string[];
  /** Package version the table was built from. */
  version: string;
}

const MAGIC = 0x534c4153; // "SLAS"
const FORMAT = 1;

function packageDir(): string | null {
  try {
    const req = createRequire(import.meta.url);
    return path.dirname(req.resolve('@ip-location-db/asn/package.json'));
  } catch {
    return null;
  }
}

/** Splits one CSV line "start,end,asn,org" where org may be quoted with "" escapes. */
function splitRow(line: string): [string, string, string, string] | null {
  const a = line.indexOf(',');
  const b = line.indexOf(',', a + 1);
  const c = line.indexOf(',', b + 1);
  if (a < 0 || b < 0 || c < 0) return null;
  let org = line.slice(c + 1);
  if (org.length >= 2 && org.charCodeAt(0) === 34 && org.charCodeAt(org.length - 1) === 34) {
    org = org.slice(1, -1).replaceAll('""', '"');
  }
  return [line.slice(0, a), line.slice(a + 1, b), line.slice(b + 1, c), org.replace(/[\r\n]/g, ' ')];
}

class Growable {
  a: Uint32Array;
  n = 0;
  constructor(cap: number) { this.a = new Uint32Array(cap); }
  push(x: number): void {
    if (this.n === this.a.length) { const b = new Uint32Array(this.a.length * 2); b.set(this.a); this.a = b; }
    this.a[this.n++] = x;
  }
  done(): Uint32Array { return this.a.slice(0, this.n); }
}

/** Builds the table from the package's numeric CSV files (`asn-ipv4-num.csv`, `asn-ipv6-num.csv`). */
export function buildAsnTable(dir: string, version = ''): AsnTable {
  const orgIndex = new Map<string, number>();
  const orgs: string[] = [];
  const orgId = (o: string): number => {
    let i = orgIndex.get(o);
    if (i === undefined) { i = orgs.length; orgs.push(o); orgIndex.set(o, i); }
    return i;
  };

  const s4 = new Growable(1 << 19), e4 = new Growable(1 << 19), a4 = new Growable(1 << 19), o4 = new Growable(1 << 19);
  let prevEnd = -1;
  for (const line of readFileSync(path.join(dir, 'asn-ipv4-num.csv'), 'utf8').split('\n')) {
    const row = splitRow(line);
    if (!row) continue;
    let start = Number(row[0]);
    const end = Number(row[1]);
    if (!Number.isFinite(start) || !Number.isFinite(end)) continue;
    // A few source ranges overlap; the first one keeps the shared addresses.
    if (start <= prevEnd) start = prevEnd + 1;
    if (start > end) continue;
    s4.push(start); e4.push(end); a4.push(Number(row[2]) >>> 0); o4.push(orgId(row[3]));
    prevEnd = end;
  }

  const s6 = new Growable(1 << 19), e6 = new Growable(1 << 19), a6 = new Growable(1 << 17), o6 = new Growable(1 << 17);
  const M32 = 0xffffffffn;
  const pushWords = (g: Growable, v: bigint): void => {
    g.push(Number((v >> 96n) & M32)); g.push(Number((v >> 64n) & M32));
    g.push(Number((v >> 32n) & M32)); g.push(Number(v & M32));
  };
  let prev6 = -1n;
  for (const line of readFileSync(path.join(dir, 'asn-ipv6-num.csv'), 'utf8').split('\n')) {
    const row = splitRow(line);
    if (!row) continue;
    let start: bigint, end: bigint;
    try { start = BigInt(row[0]); end = BigInt(row[1]); } catch { continue; }
    if (start <= prev6) start = prev6 + 1n;
    if (start > end) continue;
    pushWords(s6, start); pushWords(e6, end); a6.push(Number(row[2]) >>> 0); o6.push(orgId(row[3]));
    prev6 = end;
  }
  return {
    v4Start: s4.done(), v4End: e4.done(), v4Asn: a4.done(), v4Org: o4.done(),
    v6Start: s6.done(), v6End: e6.done(), v6Asn: a6.done(), v6Org: o6.done(), orgs, version,
  };
}

/** Binary layout: header (magic, format, n4, n6, orgBytes, versionBytes) then the arrays then UTF-8 strings. */
export function serializeAsnTable(t: AsnTable): Buffer {
  const orgText = Buffer.from(t.orgs.join('\n'), 'utf8');
  const ver = Buffer.from(t.version, 'utf8');
  const n4 = t.v4Start.length, n6 = t.v6Asn.length;
  const header = new Uint32Array([MAGIC, FORMAT, n4, n6, orgText.length, ver.length]);
  const parts = [header, t.v4Start, t.v4End, t.v4Asn, t.v4Org, t.v6Start, t.v6End, t.v6Asn, t.v6Org]
    .map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  return Buffer.concat([...parts, orgText, ver]);
}

export function deserializeAsnTable(buf: Buffer): AsnTable | null {
  if (buf.length < 24) return null;
  // Copy into an aligned buffer so typed-array views are valid.
  const ab = new ArrayBuffer(buf.length);
  new Uint8Array(ab).set(buf);
  const h = new Uint32Array(ab, 0, 6);
  if (h[0] !== MAGIC || h[1] !== FORMAT) return null;
  const n4 = h[2]!, n6 = h[3]!, orgLen = h[4]!, verLen = h[5]!;
  let off = 24;
  const take = (n: number): Uint32Array => { const a = new Uint32Array(ab, off, n); off += n * 4; return a; };
  const need = 24 + (n4 * 4 + n6 * 10) * 4 + orgLen + verLen;
  if (buf.length !== need) return null;
  const t: AsnTable = {
    v4Start: take(n4), v4End: take(n4), v4Asn: take(n4), v4Org: take(n4),
    v6Start: take(n6 * 4), v6End: take(n6 * 4), v6Asn: take(n6), v6Org: take(n6),
    orgs: [], version: '',
  };
  t.orgs = buf.subarray(off, off + orgLen).toString('utf8').split('\n');
  t.version = buf.subarray(off + orgLen, off + orgLen + verLen).toString('utf8');
  return t;
}

function cachePath(dir: string, version: string): string {
  // <node_modules>/.cache/slips-ts/asn-<version>.bin
  const nodeModules = path.resolve(dir, '..', '..');
  return path.join(nodeModules, '.cache', 'slips-ts', `asn-${version}-f${FORMAT}.bin`);
}

/** Loads the table: from the on-disk cache when present, otherwise from the CSVs (and writes the cache). */
export function loadAsnTable(opts: { writeCache?: boolean } = {}): AsnTable | null {
  const dir = packageDir();
  if (!dir) return null;
  let version = '';
  try { version = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? ''; } catch { /* unversioned */ }
  const cache = cachePath(dir, version);
  if (existsSync(cache)) {
    try {
      const t = deserializeAsnTable(readFileSync(cache));
      if (t && t.version === version) return t;
    } catch { /* rebuild below */ }
  }
  const t = buildAsnTable(dir, version);
  if (opts.writeCache !== false) {
    try {
      mkdirSync(path.dirname(cache), { recursive: true });
      const tmp = `${cache}.${process.pid}.tmp`;
      writeFileSync(tmp, serializeAsnTable(t));
      renameSync(tmp, cache);
    } catch { /* read-only install: build in memory each run */ }
  }
  return t;
}

/** Index of the last range whose start <= key, or -1. */
function search4(starts: Uint32Array, key: number): number {
  let lo = 0, hi = starts.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[mid]! <= key) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found;
}

/** Compares the 4-word key k with entry i of a 4-word array. */
function cmp6(a: Uint32Array, i: number, k: Uint32Array): number {
  const o = i * 4;
  for (let j = 0; j < 4; j++) {
    const x = a[o + j]!, y = k[j]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function search6(starts: Uint32Array, key: Uint32Array): number {
  let lo = 0, hi = starts.length / 4 - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp6(starts, mid, key) <= 0) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found;
}

/** A loaded table with per-row result objects (created once) and a bounded per-IP cache. */
export class AsnDatabase {
  private readonly rows4 = new Map<number, AsnInfo>();
  private readonly rows6 = new Map<number, AsnInfo>();
  private readonly byIp = new Map<string, AsnInfo | null>();
  private readonly key6 = new Uint32Array(4);
  static readonly IP_CACHE_LIMIT = 100_000;
  constructor(readonly table: AsnTable) {}

  lookup(ip: string): AsnInfo | null {
    const hit = this.byIp.get(ip);
    if (hit !== undefined) return hit;
    const r = this.compute(ip);
    if (this.byIp.size >= AsnDatabase.IP_CACHE_LIMIT) this.byIp.clear();
    this.byIp.set(ip, r);
    return r;
  }

  private compute(ip: string): AsnInfo | null {
    const t = this.table;
    const v4 = parseIPv4(ip);
    if (v4 !== null) {
      const i = search4(t.v4Start, v4);
      if (i < 0 || t.v4End[i]! < v4) return null;
      return this.row(this.rows4, i, t.v4Asn[i]!, t.v4Org[i]!);
    }
    const g = parseIPv6(ip);
    if (!g) return null;
    const k = this.key6;
    for (let j = 0; j < 4; j++) k[j] = ((g[j * 2]! << 16) | g[j * 2 + 1]!) >>> 0;
    const i = search6(t.v6Start, k);
    if (i < 0 || cmp6(t.v6End, i, k) < 0) return null;
    return this.row(this.rows6, i, t.v6Asn[i]!, t.v6Org[i]!);
  }

  private row(cache: Map<number, AsnInfo>, i: number, asn: number, org: number): AsnInfo {
    let r = cache.get(i);
    if (!r) { r = { number: `AS${asn}`, org: this.table.orgs[org] ?? '' }; cache.set(i, r); }
    return r;
  }
}

let shared: AsnDatabase | null | undefined;

/** The shipped database, loaded on first use (null when the package is missing). */
export function asnDatabase(): AsnDatabase | null {
  if (shared === undefined) {
    const t = loadAsnTable();
    shared = t ? new AsnDatabase(t) : null;
  }
  return shared;
}

/** AS number and organisation of an address, e.g. { number: "AS15169", org: "Google LLC" }; null when unknown. */
export function lookupAsn(ip: string): AsnInfo | null {
  return asnDatabase()?.lookup(ip) ?? null;
}

// `node --import tsx src/enrich/asn.ts` precomputes the cached table (e.g. at build/install time).
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const t0 = performance.now();
  const t = loadAsnTable();
  console.log(t ? `ASN table: ${t.v4Asn.length} IPv4 + ${t.v6Asn.length} IPv6 ranges, ${t.orgs.length} organisations (${(performance.now() - t0).toFixed(0)} ms)` : 'ASN package not installed');
}
