// Threat intelligence as a service of one run: builds the indicator tables from the local feed
// folder and the cached copies of remote feeds, refreshes remote feeds when downloads are enabled
// (waiting for them only if asked; otherwise the new tables replace the old ones when ready), and
// hands the tables to the detectors.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ThreatLevel } from '../evidence/types.js';
import { InfoInterner, IocStore } from './ioc-store.js';
import { LOCAL_TAG, parseFeed, rejectReason, type FeedRole, type ParseResult } from './parsers.js';
import { parseFeedList, type FeedSpec } from './feed-list.js';
import { FeedCache } from './remote.js';

export interface TiOptions {
  /** Folder of local feed files (config `threatintelligence.local_threat_intelligence_files`). */
  localDir: string | null;
  /** Feed lists: TI, JA3 and SSL (config `ti_files`, `ja3_feeds`, `ssl_feeds`). */
  feedLists: { file: string; role: 'ti' | 'ja3' | 'ssl' }[];
  /** Where downloaded feeds are cached. */
  cacheDir: string;
  /** Downloads allowed at all (off by default). Cached copies are used either way. */
  download: boolean;
  updatePeriod: number;
  /** Wait for downloads before the analysis starts (config `wait_for_TI_to_finish`). */
  waitForDownloads: boolean;
  /** Extra feeds not in a list file (e.g. the whitelist's top-domains list). */
  extraFeeds?: FeedSpec[];
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
  log?: (text: string) => void;
  error?: (text: string) => void;
}

/** Which role a local file plays, from its name. */
export function localFileRole(name: string): FeedRole | null {
  const n = name.toLowerCase();
  if (n.startsWith('.') || n.endsWith('.md') || n.startsWith('readme') || n.endsWith('.meta.json')) return null;
  if (n.includes('known_fp') || n.includes('false_positive')) return null;
  if (n.includes('ja3')) return 'ja3';
  if (n.includes('jarm')) return 'jarm';
  if (n.includes('ssl') || n.includes('sha1') || n.includes('cert')) return 'ssl';
  if (n.includes('tor') && n.includes('exit')) return 'tor';
  if (n.includes('tranco') || n.includes('top_domains') || n.includes('top-domains')) return 'top_domains';
  return 'ti';
}

export interface LoadReport { file: string; role: FeedRole; result: ParseResult }

export class ThreatIntel {
  /** The current tables. Replaced as a whole when refreshed feeds are ready. */
  store: IocStore;
  readonly loaded: LoadReport[] = [];
  /** Resolves when the background refresh (if any) is done. */
  refreshDone: Promise<void> = Promise.resolve();
  private readonly cache: FeedCache;

  private constructor(private readonly opts: TiOptions) {
    this.store = new IocStore();
    this.cache = new FeedCache({ dir: opts.cacheDir, updatePeriod: opts.updatePeriod, timeoutMs: opts.timeoutMs,
      fetchImpl: opts.fetchImpl });
  }

  /** No feeds at all (tests, and analyses that bring their own tables). */
  static empty(): ThreatIntel {
    return new ThreatIntel({ localDir: '', feedLists: [], cacheDir: '', download: false, updatePeriod: 0, waitForDownloads: false });
  }

  static async load(opts: TiOptions): Promise<ThreatIntel> {
    const ti = new ThreatIntel(opts);
    const feeds = ti.remoteFeeds();
    for (const f of feeds) if (f.disabled) ti.cache.remove(f.url);
    const active = feeds.filter((f) => !f.disabled);
    // Remote feeds are downloaded only when enabled; extra feeds (e.g. top domains) are enabled by their own key.
    const extra = new Set(opts.extraFeeds ?? []);
    const toRefresh = active.filter((f) => opts.download || extra.has(f));
    if (toRefresh.length && opts.waitForDownloads) await ti.refreshAll(toRefresh);
    ti.store = await ti.build(active, ti.loaded);
    if (toRefresh.length) {
      // Not waiting: the analysis starts with the cached copies; refreshed tables replace them when ready.
      if (!opts.waitForDownloads) ti.refreshDone = ti.refreshInBackground(toRefresh, active);
      // Long runs (live capture) check the feeds again every update period, in the background.
      if (opts.updatePeriod > 0) {
        ti.timer = setInterval(() => { ti.refreshDone = ti.refreshInBackground(toRefresh, active); }, opts.updatePeriod * 1000);
        ti.timer.unref();
      }
    }
    return ti;
  }

  private timer: NodeJS.Timeout | null = null;

  /** Stops the periodic refresh. */
  stop(): void { if (this.timer) clearInterval(this.timer); this.timer = null; }

  /** Refreshes feeds and, if any changed, swaps in tables rebuilt from the cache. Never throws. */
  private async refreshInBackground(toRefresh: FeedSpec[], active: FeedSpec[]): Promise<void> {
    try {
      if (!(await this.refreshAll(toRefresh))) return;
      const fresh = await this.build(active, []);
      this.store = fresh;
      this.opts.log?.(`Threat intelligence updated: ${fresh.summary()}`);
    } catch (e) {
      this.opts.error?.(`threat intelligence refresh failed: ${(e as Error).message}`);
    }
  }

  private remoteFeeds(): FeedSpec[] {
    const out: FeedSpec[] = [];
    for (const { file, role } of this.opts.feedLists) {
      if (!file || !existsSync(file)) continue;
      try { out.push(...parseFeedList(readFileSync(file, 'utf8'), role)); } catch (e) {
        this.opts.error?.(`cannot read feed list ${file}: ${(e as Error).message}`);
      }
    }
    out.push(...(this.opts.extraFeeds ?? []));
    return out;
  }

  /** Checks every feed; true if any content changed. */
  private async refreshAll(feeds: FeedSpec[]): Promise<boolean> {
    let changed = false;
    await Promise.all(feeds.map(async (f) => {
      const validate = (text: string): string | null => {
        const scratch = new IocStore();
        const res = parseFeed(text, f.role, { source: 'check', threatLevel: f.threatLevel, tags: [], perLineLevels: false }, scratch, new InfoInterner());
        return rejectReason(text, res);
      };
      const out = await this.cache.refresh(f.url, validate);
      if (out.status === 'downloaded') changed = true;
      if (out.message) this.opts.error?.(out.message);
    }));
    return changed;
  }

  /** Builds fresh tables: local files first, then cached remote feeds. */
  private async build(remote: FeedSpec[], report: LoadReport[]): Promise<IocStore> {
    const store = new IocStore();
    const interner = new InfoInterner();
    const dir = this.opts.localDir;
    if (dir && existsSync(dir) && statSync(dir).isDirectory()) {
      for (const name of readdirSync(dir).sort()) {
        const role = localFileRole(name);
        const file = path.join(dir, name);
        if (!role || !statSync(file).isFile()) continue;
        const text = readFileSync(file, 'utf8');
        const tags = role === 'ti' ? [LOCAL_TAG] : [];
        const result = parseFeed(text, role, { source: name, threatLevel: 'medium', tags, perLineLevels: true }, store, interner);
        report.push({ file, role, result });
        await nextTurn();
      }
    }
    for (const f of remote) {
      const text = this.cache.cachedText(f.url);
      if (text === null) continue;
      const source = sourceName(f.url);
      const result = parseFeed(text, f.role, { source, threatLevel: f.threatLevel as ThreatLevel, tags: f.tags, perLineLevels: false }, store, interner);
      report.push({ file: f.url, role: f.role, result });
      await nextTurn();
    }
    store.seal();
    return store;
  }
}

/** A feed's name as evidence shows it: the file name of its URL. */
export function sourceName(url: string): string {
  try {
    const u = new URL(url);
    return path.basename(u.pathname) || u.hostname;
  } catch { return url; }
}
