// IP -> country, offline, from `@ip-location-db/geo-whois-asn-country` (CC0; RIR whois and ASN
// data): its numeric CSV ranges become a range table (src/enrich/range-table.ts) precomputed at
// install. The database gives ISO codes; names come from the runtime's ICU data ("CZ" ->
// "Czechia"), like the original's English GeoLite2 names.
import { loadRangeTable, RangeDatabase, type PayloadParser, type RangeSource, type RowReader } from './range-table.js';
import { isIgnoredIp, isIgnoredIPv4, parseIPv4 } from '../util/ip.js';

export interface CountryInfo {
  /** ISO 3166-1 alpha-2, e.g. "CZ". */
  readonly code: string;
  /** English name, e.g. "Czechia". */
  readonly name: string;
}

const parseCountryPayload: PayloadParser = (payload, intern) => {
  const code = payload.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(code) ? [intern(code)] : null;
};

/** A reader of country rows that gives one shared object per country code (one per database). */
function countryReader(): RowReader<CountryInfo> {
  const byCode = new Map<string, CountryInfo>();
  let names: Intl.DisplayNames | null = null;
  return (cols, row, strings) => {
    const code = strings[cols[0]![row]!]!;
    let c = byCode.get(code);
    if (!c) {
      let name = code;
      try { names ??= new Intl.DisplayNames(['en'], { type: 'region' }); name = names.of(code) ?? code; } catch { /* keep the code */ }
      c = { code, name };
      byCode.set(code, c);
    }
    return c;
  };
}

export const COUNTRY_SOURCE: RangeSource = {
  pkg: '@ip-location-db/geo-whois-asn-country', name: 'country', columns: 1, parse: parseCountryPayload,
  v4File: 'geo-whois-asn-country-ipv4-num.csv', v6File: 'geo-whois-asn-country-ipv6-num.csv',
};

/** The shipped database (null when the package is missing); loaded by each run's ReferenceData. */
export function loadCountryDatabase(): RangeDatabase<CountryInfo> | null {
  const t = loadRangeTable(COUNTRY_SOURCE);
  return t ? new RangeDatabase(t, countryReader()) : null;
}

/** Country of a public address in `db`; null for private, reserved or unknown addresses. */
export function countryOf(db: RangeDatabase<CountryInfo> | null, ip: string): CountryInfo | null {
  if (!db) return null;
  const n = parseIPv4(ip);
  if (n !== null) return isIgnoredIPv4(n) ? null : db.lookupV4(n);
  return isIgnoredIp(ip) ? null : db.lookup(ip);
}
