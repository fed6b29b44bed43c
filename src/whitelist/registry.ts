// Lets detectors consult the whitelist of their run (e.g. DGA_NXDOMAINS skips whitelisted
// domains, CONNECTION_WITHOUT_DNS skips top domains) without depending on how it is loaded.
export type WlDirection = 'src' | 'dst';
export type WlIgnore = 'flows' | 'alerts';

export interface WhitelistView {
  /** The domain (or a parent of it) is whitelisted for this direction and ignore type. */
  isDomainWhitelisted(domain: string, direction: WlDirection, ignore: WlIgnore): boolean;
  /** The domain's registered domain is in the top-domains (Tranco-style) list. */
  isTopDomain(domain: string): boolean;
}

const views = new WeakMap<object, WhitelistView>();

/** Keyed by the run's settings object, which detectors and setup steps share. */
export const setWhitelistView = (settings: object, view: WhitelistView): void => { views.set(settings, view); };
export const whitelistView = (settings: object): WhitelistView | undefined => views.get(settings);
