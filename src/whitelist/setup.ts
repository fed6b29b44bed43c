// Loads the whitelist of a run (whitelists section of slips.yaml) and hooks it into the engine:
// the flow filter drops whitelisted flows before profiling, the evidence filter drops whitelisted
// evidence before it is logged, and detectors can consult it through the registry.
import { existsSync, readFileSync } from 'node:fs';
import type { SetupContext } from '../detect/registry.js';
import { emptyWhitelist, parseTopDomains, parseWhitelist, Whitelist, type DomainSet } from './whitelist.js';
import { setWhitelistView } from './registry.js';
import { tiHandleFor } from '../ti/handle.js';

export function setupWhitelist(c: SetupContext): void {
  const cfg = c.settings.raw.whitelists;
  const parsed = emptyWhitelist();
  if (cfg.enable_local_whitelist !== false) {
    const path = String(cfg.local_whitelist_path);
    if (existsSync(path)) {
      parseWhitelist(readFileSync(path, 'utf8'), parsed);
      for (const p of parsed.problems.slice(0, 20)) c.error('whitelist', `${path}: ${p}`);
    } else c.print('whitelist', `Whitelist file ${path} not found; no local whitelist is used.`);
  }
  // Top domains from a local file, plus those of the threat-intelligence feeds (a top-domains feed,
  // or a cached download of whitelists.online_whitelist), read through the feeds' current store so
  // that a background refresh, which replaces the store, reaches the whitelist too.
  const ti = tiHandleFor(c.settings);
  const local = new Set<string>();
  const top: DomainSet = {
    has: (d) => local.has(d) || (ti.intel?.store.topDomains.has(d) ?? false),
    get size() { return local.size + (ti.intel?.store.topDomains.size ?? 0); },
  };
  if (cfg.enable_online_whitelist === true) {
    const source = String(cfg.online_whitelist);
    if (/^https?:\/\//i.test(source)) {
      if (!top.size) c.print('whitelist', `The top-domains whitelist ${source} is not downloaded (downloads are off); give a local file path in whitelists.online_whitelist to use one.`);
    } else if (existsSync(source)) {
      for (const d of parseTopDomains(readFileSync(source, 'utf8'))) local.add(d);
    } else c.error('whitelist', `top-domains file ${source} not found`);
  }
  const wl = new Whitelist(parsed, top, c.engine.dns, c.engine.store, c.engine.facts);
  setWhitelistView(c.settings, wl);
  if (!wl.size && !top.size && !ti.intel) return;
  c.engine.flowFilters.push(wl);
  c.engine.handler.filters.push(wl);
}
