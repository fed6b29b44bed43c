// The reference data of a run, offline and read-only: AS numbers and countries of addresses,
// MAC vendors, user-agent parsing, the known organisations. Loaded once by the composition root
// and passed to whatever asks (ip_info, the evidence enricher, the whitelist, flow_alerts), with
// the run's own memory of answers. Two analyses in one process each have their own.
import type { RangeDatabase } from './range-table.js';
import { loadAsnDatabase, type AsnInfo } from './asn.js';
import { countryOf, loadCountryDatabase, type CountryInfo } from './country.js';
import { MacVendors } from './mac-vendor.js';
import { UserAgents } from './user-agent.js';
import { Organisations } from './orgs.js';

export class ReferenceData {
  readonly macs = new MacVendors();
  readonly userAgents = new UserAgents();
  readonly orgs: Organisations;

  constructor(readonly asnDb: RangeDatabase<AsnInfo> | null, readonly countryDb: RangeDatabase<CountryInfo> | null) {
    this.orgs = new Organisations((ip) => this.asn(ip));
  }

  /** The shipped tables (precomputed at install; milliseconds to load). */
  static load(): ReferenceData { return new ReferenceData(loadAsnDatabase(), loadCountryDatabase()); }

  /** AS number and organisation of an address, e.g. { number: "AS15169", org: "Google LLC" }; null when unknown. */
  asn(ip: string): AsnInfo | null { return this.asnDb?.lookup(ip) ?? null; }

  /** Country of a public address; null for private, reserved or unknown addresses. */
  country(ip: string): CountryInfo | null { return countryOf(this.countryDb, ip); }
}
