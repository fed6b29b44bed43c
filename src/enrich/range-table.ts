// Address-range tables for the offline enrichment databases (ASN, country). The packages ship CSV
// rows "start,end,payload" (addresses as decimal integers); they are turned once into sorted typed
// arrays with one or more numeric payload columns and a string list, cached on disk next to the
// package (node_modules/.cache/slips-ts) so later runs load them in milliseconds, and looked up
// without allocating: IPv4 through a 65,536-bucket index on the top 16 bits (a few probes of one
// bucket instead of a 19-step binary search over the whole table), IPv6 by binary search.
import { readFileSync, writeFileSync, mkdirSync, existsSync, renameSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ipv6Words, parseIPv4, parseIPv6 } from '../util/ip.js';

/** Sorted, non-overlapping ranges. IPv6 addresses are four big-endian 32-bit words per entry. */
export interface RangeTable {
  v4Start: Uint32Array; v4End: Uint32Array;
  v6Start: Uint32Array; v6End: Uint32Array;
  /** Payload columns, one entry per range (same column count for both families). */
  v4Cols: Uint32Array[]; v6Cols: Uint32Array[];
  /** Strings the payload columns may index. */
  strings: string[];
  /** Package version the table was built from. */
  version: string;
}

/** Turns the payload text of a CSV row (after "start,end,") into column values; null skips the row. */
export type PayloadParser = (payload: string, intern: (s: string) => number) => readonly number[] | null;

/** Tables with fewer IPv4 ranges than this are binary-searched whole. */
const SMALL_TABLE = 16_384;
const MAGIC = 0x534c5254; // "SLRT"
const FORMAT = 2;

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

/** "start,end,payload" -> the three parts, or null. */
function splitRange(line: string): [string, string, string] | null {
  const a = line.indexOf(',');
  const b = line.indexOf(',', a + 1);
  if (a < 0 || b < 0) return null;
  return [line.slice(0, a), line.slice(a + 1, b), line.slice(b + 1).replace(/\r$/, '')];
}

interface Row { start: bigint; end: bigint; values: readonly number[] }

/**
 * Flattens rows sorted by start into non-overlapping segments. A range nested in another is the
 * more specific one and wins over its part of the outer range (as in the packages' MMDB builds);
 * when two ranges only partly overlap, the later one wins over the overlap.
 */
export function flattenRanges(rows: readonly Row[], emit: (start: bigint, end: bigint, values: readonly number[]) => void): void {
  const open: Row[] = []; // enclosing ranges, innermost last
  let pos = -1n; // first address not yet emitted
  const closeUntil = (limit: bigint): void => {
    // Emit the rest of every open range that ends before `limit`.
    while (open.length && open[open.length - 1]!.end < limit) {
      const top = open.pop()!;
      if (pos <= top.end) emit(pos, top.end, top.values);
      pos = top.end + 1n;
    }
  };
  for (const r of rows) {
    if (r.start > r.end) continue;
    closeUntil(r.start);
    const outer = open[open.length - 1];
    if (outer && pos < r.start) emit(pos, r.start - 1n, outer.values);
    // Open ranges ending inside the new one are covered by it from here on.
    while (open.length && open[open.length - 1]!.end <= r.end) open.pop();
    open.push(r);
    if (pos < r.start) pos = r.start;
  }
  closeUntil(1n << 129n);
}

/** Parses the rows of one numeric CSV text, sorted by start. */
function readRows(csv: string, parse: PayloadParser, intern: (s: string) => number, max: bigint): Row[] {
  const rows: Row[] = [];
  for (const line of csv.split('\n')) {
    const row = splitRange(line);
    if (!row) continue;
    let start: bigint, end: bigint;
    try { start = BigInt(row[0]); end = BigInt(row[1]); } catch { continue; }
    if (start < 0n || end > max || start > end) continue;
    const values = parse(row[2], intern);
    if (values) rows.push({ start, end, values });
  }
  // The packages are sorted already; a stable sort keeps the file order of equal starts.
  return rows.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

/** Builds a table from the numeric IPv4 and IPv6 CSV texts (see flattenRanges for overlaps). */
export function buildRangeTable(v4Csv: string, v6Csv: string, columns: number, parse: PayloadParser, version = ''): RangeTable {
  const index = new Map<string, number>();
  const strings: string[] = [];
  const intern = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) { i = strings.length; strings.push(s); index.set(s, i); }
    return i;
  };
  const cols = (n: number): Growable[] => Array.from({ length: columns }, () => new Growable(n));
  const pushValues = (c: Growable[], values: readonly number[]): void => {
    for (let j = 0; j < columns; j++) c[j]!.push((values[j] ?? 0) >>> 0);
  };

  const s4 = new Growable(1 << 19), e4 = new Growable(1 << 19), c4 = cols(1 << 19);
  flattenRanges(readRows(v4Csv, parse, intern, 0xffffffffn), (start, end, values) => {
    s4.push(Number(start)); e4.push(Number(end)); pushValues(c4, values);
  });

  const s6 = new Growable(1 << 19), e6 = new Growable(1 << 19), c6 = cols(1 << 17);
  const M32 = 0xffffffffn;
  const pushWords = (g: Growable, v: bigint): void => {
    g.push(Number((v >> 96n) & M32)); g.push(Number((v >> 64n) & M32));
    g.push(Number((v >> 32n) & M32)); g.push(Number(v & M32));
  };
  flattenRanges(readRows(v6Csv, parse, intern, (1n << 128n) - 1n), (start, end, values) => {
    pushWords(s6, start); pushWords(e6, end); pushValues(c6, values);
  });
  return {
    v4Start: s4.done(), v4End: e4.done(), v6Start: s6.done(), v6End: e6.done(),
    v4Cols: c4.map((g) => g.done()), v6Cols: c6.map((g) => g.done()), strings, version,
  };
}

/** Binary layout: header (magic, format, n4, n6, columns, stringBytes, versionBytes, pad) then arrays then UTF-8 text. */
export function serializeRangeTable(t: RangeTable): Buffer {
  const text = Buffer.from(t.strings.join('\n'), 'utf8');
  const ver = Buffer.from(t.version, 'utf8');
  const header = new Uint32Array([MAGIC, FORMAT, t.v4Start.length, t.v6Start.length / 4, t.v4Cols.length, text.length, ver.length, 0]);
  const parts = [header, t.v4Start, t.v4End, ...t.v4Cols, t.v6Start, t.v6End, ...t.v6Cols]
    .map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  return Buffer.concat([...parts, text, ver]);
}

export function deserializeRangeTable(buf: Buffer): RangeTable | null {
  if (buf.length < 32) return null;
  // Copy into an aligned buffer so typed-array views are valid.
  const ab = new ArrayBuffer(buf.length);
  new Uint8Array(ab).set(buf);
  const h = new Uint32Array(ab, 0, 8);
  if (h[0] !== MAGIC || h[1] !== FORMAT) return null;
  const n4 = h[2]!, n6 = h[3]!, columns = h[4]!, textLen = h[5]!, verLen = h[6]!;
  if (buf.length !== 32 + (n4 * (2 + columns) + n6 * (8 + columns)) * 4 + textLen + verLen) return null;
  let off = 32;
  const take = (n: number): Uint32Array => { const a = new Uint32Array(ab, off, n); off += n * 4; return a; };
  const v4Start = take(n4), v4End = take(n4);
  const v4Cols = Array.from({ length: columns }, () => take(n4));
  const v6Start = take(n6 * 4), v6End = take(n6 * 4);
  const v6Cols = Array.from({ length: columns }, () => take(n6));
  const strings = textLen ? buf.subarray(off, off + textLen).toString('utf8').split('\n') : [];
  const version = buf.subarray(off + textLen, off + textLen + verLen).toString('utf8');
  return { v4Start, v4End, v6Start, v6End, v4Cols, v6Cols, strings, version };
}

/** Where an npm package lives, or null when it is not installed. */
export function packageDir(name: string): string | null {
  try {
    return path.dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

export interface RangeSource {
  /** npm package holding the CSV files. */
  pkg: string;
  /** Name of the cached table (e.g. "asn"). */
  name: string;
  v4File: string;
  v6File: string;
  columns: number;
  parse: PayloadParser;
}

/** Loads a table: from the on-disk cache when present, otherwise from the package's CSVs (and writes the cache). */
export function loadRangeTable(src: RangeSource, opts: { writeCache?: boolean } = {}): RangeTable | null {
  const dir = packageDir(src.pkg);
  if (!dir) return null;
  let version = '';
  try { version = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? ''; } catch { /* unversioned */ }
  // <node_modules>/.cache/slips-ts/<name>-<version>-r<FORMAT>.bin (scoped packages sit two levels down).
  const nodeModules = src.pkg.startsWith('@') ? path.resolve(dir, '..', '..') : path.resolve(dir, '..');
  const cache = path.join(nodeModules, '.cache', 'slips-ts', `${src.name}-${version}-r${FORMAT}.bin`);
  if (existsSync(cache)) {
    try {
      const t = deserializeRangeTable(readFileSync(cache));
      if (t && t.version === version && t.v4Cols.length === src.columns) return t;
    } catch { /* rebuild below */ }
  }
  let t: RangeTable;
  try {
    t = buildRangeTable(readFileSync(path.join(dir, src.v4File), 'utf8'), readFileSync(path.join(dir, src.v6File), 'utf8'),
      src.columns, src.parse, version);
  } catch {
    return null;
  }
  if (opts.writeCache !== false) {
    try {
      mkdirSync(path.dirname(cache), { recursive: true });
      const tmp = `${cache}.${process.pid}.tmp`;
      writeFileSync(tmp, serializeRangeTable(t));
      renameSync(tmp, cache);
      // Tables of earlier package versions or formats are dead weight now.
      for (const f of readdirSync(path.dirname(cache))) {
        if (f.startsWith(`${src.name}-`) && f.endsWith('.bin') && f !== path.basename(cache)) rmSync(path.join(path.dirname(cache), f), { force: true });
      }
    } catch { /* read-only install: build in memory each run */ }
  }
  return t;
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

/** Finds the range holding an address; answers are row numbers into the table's columns. */
export class RangeIndex {
  /**
   * bucket[h] = number of IPv4 ranges starting below h << 16 (65,537 entries), for large tables
   * only: a small table (a feed's few autonomous systems) is searched whole, as its 256 KiB bucket
   * array would cost more cache misses than it saves.
   */
  private readonly bucket: Uint32Array | null;

  constructor(readonly table: RangeTable) {
    const starts = table.v4Start;
    if (starts.length < SMALL_TABLE) { this.bucket = null; return; }
    const bucket = new Uint32Array(65537);
    let i = 0;
    for (let h = 0; h <= 65536; h++) {
      while (i < starts.length && starts[i]! >>> 16 < h) i++;
      bucket[h] = i;
    }
    this.bucket = bucket;
  }

  /** Row of the IPv4 range holding the address (as an unsigned 32-bit number), or -1. */
  findV4(n: number): number {
    const starts = this.table.v4Start;
    const b = this.bucket;
    // The answer is the last range starting at or below n: inside bucket n >>> 16, else the last range before it.
    let lo = 0, hi = starts.length - 1;
    if (b) { const h = n >>> 16; lo = b[h]!; hi = b[h + 1]! - 1; }
    let found = lo - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= n) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found >= 0 && this.table.v4End[found]! >= n ? found : -1;
  }

  /** Row of the IPv6 range holding the address (four big-endian words), or -1. */
  findV6(k: Uint32Array): number {
    const starts = this.table.v6Start;
    let lo = 0, hi = starts.length / 4 - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp6(starts, mid, k) <= 0) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found >= 0 && cmp6(this.table.v6End, found, k) >= 0 ? found : -1;
  }
}

/** One result object per range, made on first use from the row's payload and shared afterwards. */
export type RowReader<T> = (cols: readonly Uint32Array[], row: number, strings: readonly string[]) => T;

/** An address database over a range table: address -> shared result object, no allocation per lookup. */
export class RangeDatabase<T> {
  readonly index: RangeIndex;
  private readonly rows4: (T | undefined)[];
  private readonly rows6: (T | undefined)[];
  private readonly key6 = new Uint32Array(4);

  constructor(readonly table: RangeTable, private readonly read: RowReader<T>) {
    this.index = new RangeIndex(table);
    this.rows4 = new Array<T | undefined>(table.v4Start.length);
    this.rows6 = new Array<T | undefined>(table.v6Start.length / 4);
  }

  /**
   * The same database restricted to the ranges whose payload passes `keep` (e.g. the ranges of a
   * few listed autonomous systems): a small table that stays in the CPU cache.
   */
  subset(keep: (cols: readonly Uint32Array[], row: number) => boolean): RangeDatabase<T> {
    const t = this.table;
    const pick = (starts: Uint32Array, ends: Uint32Array, cols: Uint32Array[], width: number) => {
      const rows: number[] = [];
      for (let r = 0; r < cols[0]!.length; r++) if (keep(cols, r)) rows.push(r);
      const take = (a: Uint32Array, w: number): Uint32Array => {
        const out = new Uint32Array(rows.length * w);
        rows.forEach((r, i) => out.set(a.subarray(r * w, r * w + w), i * w));
        return out;
      };
      return { starts: take(starts, width), ends: take(ends, width), cols: cols.map((c) => take(c, 1)) };
    };
    const v4 = pick(t.v4Start, t.v4End, t.v4Cols, 1);
    const v6 = pick(t.v6Start, t.v6End, t.v6Cols, 4);
    return new RangeDatabase({ v4Start: v4.starts, v4End: v4.ends, v4Cols: v4.cols, v6Start: v6.starts, v6End: v6.ends,
      v6Cols: v6.cols, strings: t.strings, version: t.version }, this.read);
  }

  /** Result for an IPv4 address given as an unsigned 32-bit number. */
  lookupV4(n: number): T | null {
    const row = this.index.findV4(n);
    if (row < 0) return null;
    return this.rows4[row] ??= this.read(this.table.v4Cols, row, this.table.strings);
  }

  /** Result for an address given as text (IPv4 or IPv6); null when unknown or not an address. */
  lookup(ip: string): T | null {
    const v4 = parseIPv4(ip);
    if (v4 !== null) return this.lookupV4(v4);
    const g = parseIPv6(ip);
    if (!g) return null;
    const k = this.key6;
    ipv6Words(g, k);
    const row = this.index.findV6(k);
    if (row < 0) return null;
    return this.rows6[row] ??= this.read(this.table.v6Cols, row, this.table.strings);
  }
}
