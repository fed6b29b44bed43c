// IP -> country, offline, from `@ip-location-db/geo-whois-asn-country-mmdb` (CC0, RIR whois and ASN
// data) read with `maxmind`. The database gives ISO codes; names come from the runtime's ICU data
// ("CZ" -> "Czechia"), like the original's English GeoLite2 names.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Reader, type Response } from 'maxmind';
import { ipFacts } from '../util/ip.js';

export interface CountryInfo {
  /** ISO 3166-1 alpha-2, e.g. "CZ". */
  readonly code: string;
  /** English name, e.g. "Czechia". */
  readonly name: string;
}

interface CountryRecord { country_code?: string }

let reader: Reader<Response> | null | undefined;
const byIp = new Map<string, CountryInfo | null>();
const byCode = new Map<string, CountryInfo>();
const IP_CACHE_LIMIT = 100_000;
let names: Intl.DisplayNames | null = null;

function open(): Reader<Response> | null {
  if (reader !== undefined) return reader;
  try {
    const req = createRequire(import.meta.url);
    const dir = path.dirname(req.resolve('@ip-location-db/geo-whois-asn-country-mmdb/package.json'));
    reader = new Reader<Response>(readFileSync(path.join(dir, 'geo-whois-asn-country.mmdb')));
  } catch {
    reader = null;
  }
  return reader;
}

function info(code: string): CountryInfo {
  let c = byCode.get(code);
  if (!c) {
    let name = code;
    try { names ??= new Intl.DisplayNames(['en'], { type: 'region' }); name = names.of(code) ?? code; } catch { /* keep the code */ }
    c = { code, name };
    byCode.set(code, c);
  }
  return c;
}

/** Country of a public address; null for private, reserved or unknown addresses. */
export function lookupCountry(ip: string): CountryInfo | null {
  const hit = byIp.get(ip);
  if (hit !== undefined) return hit;
  let out: CountryInfo | null = null;
  const f = ipFacts(ip);
  if (f.valid && !f.private && !f.multicast && !f.reserved && !f.linkLocal && !f.loopback) {
    const r = open();
    const rec = (r ? r.get(ip) : null) as CountryRecord | null;
    if (rec?.country_code) out = info(rec.country_code);
  }
  if (byIp.size >= IP_CACHE_LIMIT) byIp.clear();
  byIp.set(ip, out);
  return out;
}
