// Loads the threat-intelligence tables of a run (the composition root passes them to the
// detectors, the whitelist and the evidence enricher).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Settings } from '../config/config.js';
import { ThreatIntel } from './service.js';
import type { FeedSpec } from './feed-list.js';

/** Where a service being loaded reports: one line to the console and slips.log, or an error. */
export interface ServiceLog {
  print(sender: string, text: string): void;
  error(sender: string, text: string): void;
}

/** The project root (where config/ ships), for relative paths that do not exist under the cwd. */
const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** A configured path: absolute as is; relative to the working directory, else to the install. */
export function resolveConfigPath(p: string): string {
  if (!p) return p;
  if (path.isAbsolute(p)) return p;
  const cwd = path.resolve(p);
  if (existsSync(cwd)) return cwd;
  const installed = path.resolve(PROJECT_ROOT, p);
  return existsSync(installed) ? installed : cwd;
}

export async function loadThreatIntel(settings: Settings, c: ServiceLog): Promise<ThreatIntel> {
  const raw = settings.raw;
  const t = raw.threatintelligence;
  const w = raw.whitelists;
  const extra: FeedSpec[] = [];
  // The top-domains whitelist list comes through the same download-and-cache mechanism.
  // Only with downloads enabled too: the original's default enables the online whitelist, and a run
  // must not reach the network unless the user asked for downloads.
  if (w.enable_online_whitelist && t.download_remote_feeds && /^https?:\/\//.test(String(w.online_whitelist))) {
    extra.push({ url: String(w.online_whitelist), threatLevel: 'info', tags: ['top_domains'], role: 'top_domains', disabled: false });
  }
  const download = Boolean(t.download_remote_feeds);
  const ti = await ThreatIntel.load({
    localDir: resolveConfigPath(String(t.local_threat_intelligence_files)),
    feedLists: [
      { file: resolveConfigPath(String(t.ti_files)), role: 'ti' },
      { file: resolveConfigPath(String(t.ja3_feeds)), role: 'ja3' },
      { file: resolveConfigPath(String(t.ssl_feeds)), role: 'ssl' },
    ],
    cacheDir: path.resolve(String(t.download_path_for_remote_threat_intelligence)),
    download,
    updatePeriod: Number(t.TI_files_update_period),
    waitForDownloads: Boolean(t.wait_for_TI_to_finish),
    timeoutMs: Number(t.download_timeout) * 1000,
    extraFeeds: extra,
    log: (s) => c.print('threat_intelligence', s),
    error: (s) => c.error('threat_intelligence', s),
  });
  for (const r of ti.loaded) {
    if (r.result.invalid > 0) c.error('threat_intelligence', `${r.file}: ${r.result.invalid} of ${r.result.lines} lines hold no indicator`);
  }
  c.print('threat_intelligence', `Loaded threat intelligence: ${ti.store.summary()}`);
  return ti;
}
