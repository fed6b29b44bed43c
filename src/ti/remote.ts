// Downloaded feeds: kept on disk with their ETag / Last-Modified, re-downloaded only after their
// update period and only if changed (conditional GET), validated before they replace the cached
// copy, and read from the cache when the network or the server is down. Downloads happen only
// when the user enables them; this is the only code in the analysis that talks to the network.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface CacheMeta {
  url: string;
  etag: string | null;
  lastModified: string | null;
  /** Wall-clock epoch seconds of the last successful check (download or 304). */
  checkedAt: number;
  /** Wall-clock epoch seconds the cached content was downloaded. */
  downloadedAt: number;
  sha256: string;
  bytes: number;
}

export type RefreshStatus = 'downloaded' | 'not-modified' | 'up-to-date' | 'rejected' | 'failed';

export interface RefreshOutcome {
  status: RefreshStatus;
  /** A sentence for the log when something went wrong (rejected / failed). */
  message?: string;
  /** Whether a usable cached copy exists after the refresh. */
  cached: boolean;
}

export interface FeedCacheOptions {
  dir: string;
  /** Seconds between checks of one feed. */
  updatePeriod: number;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  attempts?: number;
  /** Wall clock in epoch seconds (download policy is about real time, not traffic time). */
  now?: () => number;
  fetchImpl?: typeof fetch;
}

/** A file name that says which feed it is and cannot collide: "<last path part>-<hash of URL>". */
export function cacheFileName(url: string): string {
  let base = 'feed';
  try { base = path.basename(new URL(url).pathname) || new URL(url).hostname; } catch { /* keep "feed" */ }
  base = base.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80) || 'feed';
  return `${base}-${createHash('sha1').update(url).digest('hex').slice(0, 10)}`;
}

export class FeedCache {
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly now: () => number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: FeedCacheOptions) {
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.attempts = Math.max(1, opts.attempts ?? 2);
    this.now = opts.now ?? (() => Date.now() / 1000);
    this.fetchImpl = opts.fetchImpl ?? fetch;
  }

  dataPath(url: string): string { return path.join(this.opts.dir, cacheFileName(url)); }
  private metaPath(url: string): string { return `${this.dataPath(url)}.meta.json`; }

  meta(url: string): CacheMeta | null {
    try { return JSON.parse(readFileSync(this.metaPath(url), 'utf8')) as CacheMeta; } catch { return null; }
  }

  /** The cached content, or null. */
  cachedText(url: string): string | null {
    const p = this.dataPath(url);
    if (!existsSync(p)) return null;
    try { return readFileSync(p, 'utf8'); } catch { return null; }
  }

  remove(url: string): void {
    rmSync(this.dataPath(url), { force: true });
    rmSync(this.metaPath(url), { force: true });
  }

  /**
   * Checks a feed if its period has passed: conditional GET, then `validate` (null = accept,
   * else the reason to reject) before the new content replaces the cached copy.
   */
  async refresh(url: string, validate: (text: string) => string | null, force = false): Promise<RefreshOutcome> {
    const meta = this.meta(url);
    const hasCache = meta !== null && existsSync(this.dataPath(url));
    if (!force && hasCache && this.now() - meta.checkedAt < this.opts.updatePeriod) return { status: 'up-to-date', cached: true };
    const headers: Record<string, string> = { 'user-agent': 'slips-ts feed updater' };
    if (hasCache && meta.etag) headers['if-none-match'] = meta.etag;
    else if (hasCache && meta.lastModified) headers['if-modified-since'] = meta.lastModified;

    let lastError = '';
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      let res: Response;
      try {
        res = await this.fetchImpl(url, { headers, signal: AbortSignal.timeout(this.timeoutMs), redirect: 'follow' });
      } catch (e) {
        const err = e as Error & { cause?: { code?: string } };
        lastError = err.name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : (err.cause?.code ?? err.message);
        continue;
      }
      if (res.status === 304 && hasCache) {
        await res.body?.cancel();
        this.writeMeta(url, { ...meta, checkedAt: this.now() });
        return { status: 'not-modified', cached: true };
      }
      if (!res.ok) {
        await res.body?.cancel();
        lastError = `HTTP ${res.status}`;
        if (res.status < 500) break; // a 404 will not get better by asking again
        continue;
      }
      const text = await res.text();
      const reason = validate(text);
      if (reason) {
        const kept = hasCache ? `keeping the cached copy from ${new Date(meta.downloadedAt * 1000).toISOString()}` : 'no cached copy to fall back on';
        return { status: 'rejected', cached: hasCache, message: `feed ${url}: downloaded content rejected (${reason}); ${kept}` };
      }
      mkdirSync(this.opts.dir, { recursive: true });
      const tmp = `${this.dataPath(url)}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, this.dataPath(url));
      const now = this.now();
      this.writeMeta(url, { url, etag: res.headers.get('etag'), lastModified: res.headers.get('last-modified'),
        checkedAt: now, downloadedAt: now, sha256: createHash('sha256').update(text).digest('hex'), bytes: Buffer.byteLength(text) });
      return { status: 'downloaded', cached: true };
    }
    const fallback = hasCache ? `using the cached copy from ${new Date(meta.downloadedAt * 1000).toISOString()}` : 'no cached copy, feed not used';
    return { status: 'failed', cached: hasCache, message: `feed ${url}: download failed (${lastError}); ${fallback}` };
  }

  private writeMeta(url: string, m: CacheMeta): void {
    mkdirSync(this.opts.dir, { recursive: true });
    writeFileSync(this.metaPath(url), JSON.stringify(m, null, 1));
  }
}
