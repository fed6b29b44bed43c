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

let names: Intl.DisplayNames | null = null;
const byCode = new Map<string, CountryInfo>();

/** One shared object per country code. */
function countryOfCode(code: string): CountryInfo {
  let c = byCode.get(code);
  if (!c) {
    let name = code;
    try { names ??= new Intl.DisplayNames(['en'], { type: 'region' }); name = names.of(code) ?? code; } catch { /* keep the code */ }
    c = { code, name };
    byCode.set(code, c);
  }
  return c;
}

const readCountry: RowReader<CountryInfo> = (cols, row, strings) => countryOfCode(strings[cols[0]![row]!]!);

export const COUNTRY_SOURCE: RangeSource = {
  pkg: '@ip-location-db/geo-whois-asn-country', name: 'country', columns: 1, parse: parseCountryPayload,
  v4File: 'geo-whois-asn-country-ipv4-num.csv', v6File: 'geo-whois-asn-country-ipv6-num.csv',
};

let shared: RangeDatabase<CountryInfo> | null | undefined;

/** The shipped database, loaded on first use (null when the package is missing). */
export function countryDatabase(): RangeDatabase<CountryInfo> | null {
  if (shared === undefined) {
    const t = loadRangeTable(COUNTRY_SOURCE);
    shared = t ? new RangeDatabase(t, readCountry) : null;
  }
  return shared;
}

/** Country of a public address; null for private, reserved or unknown addresses. */
export function lookupCountry(ip: string): CountryInfo | null {
  const n = parseIPv4(ip);
  if (n !== null) return isIgnoredIPv4(n) ? null : countryDatabase()?.lookupV4(n) ?? null;
  return isIgnoredIp(ip) ? null : countryDatabase()?.lookup(ip) ?? null;
}
