// What detectors may ask the whitelist of their run (e.g. DGA_NXDOMAINS skips whitelisted
// domains, CONNECTION_WITHOUT_DNS skips top domains), without depending on how it is loaded.
export type WlDirection = 'src' | 'dst';
export type WlIgnore = 'flows' | 'alerts';

export interface WhitelistView {
  /** The domain (or a parent of it) is whitelisted for this direction and ignore type. */
  isDomainWhitelisted(domain: string, direction: WlDirection, ignore: WlIgnore): boolean;
  /** The domain's registered domain is in the top-domains (Tranco-style) list. */
  isTopDomain(domain: string): boolean;
}
