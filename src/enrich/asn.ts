// IP -> autonomous system (number and organisation), offline, from the `@ip-location-db/asn`
// package (RouteViews + RIR + DB-IP Lite data, CC-BY-4.0). The package's numeric CSV ranges become
// a range table (src/enrich/range-table.ts) precomputed at install; `node --import tsx
// src/enrich/asn.ts` builds it by hand.
import path from 'node:path';
import { buildRangeTable, loadRangeTable, RangeDatabase, type PayloadParser, type RangeSource, type RowReader } from './range-table.js';

export interface AsnInfo {
  /** "AS15169" */
  readonly number: string;
  /** Organisation name as the database spells it, e.g. "Google LLC". */
  readonly org: string;
}

/** Payload "asn,org" where org may be quoted with "" escapes -> [asn, org string]. */
const parseAsnPayload: PayloadParser = (payload, intern) => {
  const c = payload.indexOf(',');
  if (c < 0) return null;
  const asn = Number(payload.slice(0, c));
  if (!Number.isInteger(asn) || asn < 0) return null;
  let org = payload.slice(c + 1);
  if (org.length >= 2 && org.charCodeAt(0) === 34 && org.charCodeAt(org.length - 1) === 34) {
    org = org.slice(1, -1).replaceAll('""', '"');
  }
  return [asn, intern(org.replace(/[\r\n]/g, ' '))];
};

const readAsn: RowReader<AsnInfo> = (cols, row, strings) => ({ number: `AS${cols[0]![row]!}`, org: strings[cols[1]![row]!] ?? '' });

export const ASN_SOURCE: RangeSource = {
  pkg: '@ip-location-db/asn', name: 'asn', v4File: 'asn-ipv4-num.csv', v6File: 'asn-ipv6-num.csv', columns: 2, parse: parseAsnPayload,
};

/** An ASN database from CSV texts in the package's format (tests and tools). */
export function asnDatabaseFromCsv(v4Csv: string, v6Csv: string): RangeDatabase<AsnInfo> {
  return new RangeDatabase(buildRangeTable(v4Csv, v6Csv, 2, parseAsnPayload), readAsn);
}

/** The shipped database (null when the package is missing); loaded by each run's ReferenceData. */
export function loadAsnDatabase(): RangeDatabase<AsnInfo> | null {
  const t = loadRangeTable(ASN_SOURCE);
  return t ? new RangeDatabase(t, readAsn) : null;
}

/**
 * A database restricted to some AS numbers (e.g. those a feed lists): answers only for addresses
 * of those systems, from a table small enough to stay in the CPU cache.
 */
export function asnSubsetDatabase(db: RangeDatabase<AsnInfo> | null, asNumbers: ReadonlySet<number>): RangeDatabase<AsnInfo> | null {
  return db?.subset((cols, row) => asNumbers.has(cols[0]![row]!)) ?? null;
}

// `node --import tsx src/enrich/asn.ts` precomputes the cached table (e.g. at build/install time).
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const t0 = performance.now();
  const t = loadRangeTable(ASN_SOURCE);
  console.log(t ? `ASN table: ${t.v4Start.length} IPv4 + ${t.v6Start.length / 4} IPv6 ranges, ${t.strings.length} organisations (${(performance.now() - t0).toFixed(0)} ms)` : 'ASN package not installed');
}
