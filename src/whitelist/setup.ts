// Loads the whitelist of a run (whitelists section of slips.yaml): the local file and the
// top-domains list. The composition root makes it the flow filter (whitelisted flows are dropped
// before profiling), the evidence filter (whitelisted evidence is dropped before it is logged) and
// the view detectors consult.
import { existsSync, readFileSync } from 'node:fs';
import type { Settings } from '../config/config.js';
import type { ThreatIntel } from '../ti/service.js';
import type { DnsResolutions } from '../profiler/dns-cache.js';
import type { ProfileStore } from '../store/store.js';
import type { TrafficFacts } from '../enrich/traffic-facts.js';
import type { Organisations } from '../enrich/orgs.js';
import type { AddressFacts } from '../util/address-facts.js';
import type { ServiceLog } from '../ti/setup.js';
import { emptyWhitelist, parseTopDomains, parseWhitelist, Whitelist, type DomainSet } from './whitelist.js';

export interface WhitelistDeps {
  ti: ThreatIntel; dns: DnsResolutions; store: ProfileStore; facts: TrafficFacts; orgs: Organisations; addresses: AddressFacts;
}

export function loadWhitelist(settings: Settings, deps: WhitelistDeps, log: ServiceLog): Whitelist {
  const cfg = settings.raw.whitelists;
  const parsed = emptyWhitelist();
  if (cfg.enable_local_whitelist !== false) {
    const path = String(cfg.local_whitelist_path);
    if (existsSync(path)) {
      parseWhitelist(readFileSync(path, 'utf8'), parsed);
      for (const p of parsed.problems.slice(0, 20)) log.error('whitelist', `${path}: ${p}`);
    } else log.print('whitelist', `Whitelist file ${path} not found; no local whitelist is used.`);
  }
  // Top domains from a local file, plus those of the threat-intelligence feeds (a top-domains feed,
  // or a cached download of whitelists.online_whitelist), read through the feeds' current store so
  // that a background refresh, which replaces the store, reaches the whitelist too.
  const { ti } = deps;
  const local = new Set<string>();
  const top: DomainSet = {
    has: (d) => local.has(d) || ti.store.topDomains.has(d),
    get size() { return local.size + ti.store.topDomains.size; },
  };
  if (cfg.enable_online_whitelist === true) {
    const source = String(cfg.online_whitelist);
    if (/^https?:\/\//i.test(source)) {
      if (!top.size) log.print('whitelist', `The top-domains whitelist ${source} is not downloaded (downloads are off); give a local file path in whitelists.online_whitelist to use one.`);
    } else if (existsSync(source)) {
      for (const d of parseTopDomains(readFileSync(source, 'utf8'))) local.add(d);
    } else log.error('whitelist', `top-domains file ${source} not found`);
  }
  return new Whitelist(parsed, top, deps.dns, deps.store, deps.facts, deps.orgs, deps.addresses);
}
