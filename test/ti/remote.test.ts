// Remote feeds against a real HTTP server on 127.0.0.1: first download, conditional re-download,
// corrupt content rejected with the cache kept, and the cache used when the server is down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { FeedCache } from '../../src/ti/remote.js';
import { ThreatIntel } from '../../src/ti/service.js';

interface Served { body: string; etag: string; status?: number }

function startServer(content: Map<string, Served>, seen: IncomingHttpHeaders[]): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    seen.push(req.headers);
    const c = content.get(req.url ?? '');
    if (!c) { res.writeHead(404); res.end('not found'); return; }
    if (req.headers['if-none-match'] === c.etag) { res.writeHead(304, { etag: c.etag }); res.end(); return; }
    res.writeHead(c.status ?? 200, { etag: c.etag, 'content-type': 'text/plain' });
    res.end(c.body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  }));
}
const close = (s: Server): Promise<void> => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); });

const validIps = (text: string): string | null => (/^\d+\.\d+\.\d+\.\d+$/m.test(text) ? null : 'no IP in it');

test('feed cache: download, 304, corrupt content rejected, server down', async () => {
  const content = new Map<string, Served>([['/ips.txt', { body: '5.6.7.8\n9.9.9.9\n', etag: '"v1"' }]]);
  const seen: IncomingHttpHeaders[] = [];
  const { server, base } = await startServer(content, seen);
  const url = `${base}/ips.txt`;
  const dir = mkdtempSync(path.join(tmpdir(), 'feeds-'));
  let clock = 1_000_000;
  const cache = new FeedCache({ dir, updatePeriod: 3600, timeoutMs: 2000, attempts: 2, now: () => clock });
  try {
    // 1. First download.
    const first = await cache.refresh(url, validIps);
    assert.deepEqual(first, { status: 'downloaded', cached: true });
    assert.equal(cache.cachedText(url), '5.6.7.8\n9.9.9.9\n');
    assert.equal(cache.meta(url)?.etag, '"v1"');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!['if-none-match'], undefined);

    // 2. Within the update period nobody is asked.
    clock += 60;
    assert.equal((await cache.refresh(url, validIps)).status, 'up-to-date');
    assert.equal(seen.length, 1);

    // 3. After the period: conditional request, 304, cache kept.
    clock += 3600;
    assert.equal((await cache.refresh(url, validIps)).status, 'not-modified');
    assert.equal(seen.length, 2);
    assert.equal(seen[1]!['if-none-match'], '"v1"');
    assert.equal(cache.meta(url)?.checkedAt, clock);

    // 4. The server now serves an HTML error page: rejected, the old copy stays.
    content.set('/ips.txt', { body: '<html><body>Service unavailable</body></html>', etag: '"v2"' });
    clock += 3600;
    const bad = await cache.refresh(url, validIps);
    assert.equal(bad.status, 'rejected');
    assert.match(bad.message!, /^feed http:\/\/127\.0\.0\.1:\d+\/ips\.txt: downloaded content rejected \(no IP in it\); keeping the cached copy from \d{4}-/);
    assert.equal(cache.cachedText(url), '5.6.7.8\n9.9.9.9\n');

    // 5. New valid content replaces the copy.
    content.set('/ips.txt', { body: '5.6.7.8\n1.0.0.1\n', etag: '"v3"' });
    assert.equal((await cache.refresh(url, validIps, true)).status, 'downloaded');
    assert.equal(cache.cachedText(url), '5.6.7.8\n1.0.0.1\n');

    // 6. HTTP errors keep the cache too.
    assert.equal((await cache.refresh(`${base}/missing.txt`, validIps)).status, 'failed');
  } finally {
    await close(server);
  }
  // 7. Server down: the cached copy is used.
  clock += 7200;
  const down = await cache.refresh(url, validIps);
  assert.equal(down.status, 'failed');
  assert.equal(down.cached, true);
  assert.match(down.message!, /download failed \(ECONNREFUSED\); using the cached copy/);
  assert.equal(cache.cachedText(url), '5.6.7.8\n1.0.0.1\n');
});

test('threat intelligence service: downloads only when enabled, background refresh, offline cache', async () => {
  const content = new Map<string, Served>([
    ['/bad-ips.txt', { body: '# test feed\n45.33.32.156\n203.0.113.0/24\n66.66.0.0/16\n', etag: '"a"' }],
    ['/ja3.csv', { body: '# ja3_md5,Firstseen,Lastseen,Listingreason\n6734f37431670b3ab4292b8f60f29984,2020-01-01,2020-02-01,Trickbot\n', etag: '"b"' }],
    ['/tor', { body: '185.220.101.1\n185.220.101.2\n', etag: '"c"' }],
  ]);
  const seen: IncomingHttpHeaders[] = [];
  const { server, base } = await startServer(content, seen);
  const dir = mkdtempSync(path.join(tmpdir(), 'ti-'));
  const tiList = path.join(dir, 'TI_feeds.csv');
  const ja3List = path.join(dir, 'JA3_feeds.csv');
  writeFileSync(tiList, `${base}/bad-ips.txt,high,['scanner','honeypot']\n${base}/tor,info,['tor_exit']\n`);
  writeFileSync(ja3List, `${base}/ja3.csv,high,['malicious']\n`);
  const errors: string[] = [];
  const opts = (download: boolean, wait: boolean) => ({
    localDir: null, feedLists: [{ file: tiList, role: 'ti' as const }, { file: ja3List, role: 'ja3' as const }],
    cacheDir: path.join(dir, 'cache'), download, updatePeriod: 0, waitForDownloads: wait, timeoutMs: 2000,
    error: (s: string) => errors.push(s),
  });
  try {
    // Downloads off: nothing is fetched, nothing is cached yet.
    const off = await ThreatIntel.load(opts(false, false));
    assert.equal(seen.length, 0);
    assert.equal(off.store.ipCount, 0);

    // Downloads on, waiting for them.
    const on = await ThreatIntel.load(opts(true, true));
    assert.equal(seen.length, 3);
    assert.equal(on.store.lookupIp('45.33.32.156')?.source, 'bad-ips.txt');
    assert.deepEqual(on.store.lookupIp('45.33.32.156')?.tags, ['scanner', 'honeypot']);
    // 203.0.113.0/24 is a documentation network: not threat intelligence.
    assert.equal(on.store.lookupRange('203.0.113.5'), undefined);
    assert.equal(on.store.lookupRange('66.66.1.1')?.range, '66.66.0.0/16');
    assert.equal(on.store.lookupJa3('6734f37431670b3ab4292b8f60f29984')?.description, 'Trickbot');
    assert.ok(on.store.isTorExit('185.220.101.2'));
    assert.equal(on.store.lookupIp('185.220.101.2'), undefined, 'the Tor list is not an IP blacklist');

    // Not waiting: the cached tables are used at once, the refreshed ones replace them when ready.
    content.set('/bad-ips.txt', { body: '45.33.32.156\n77.77.77.77\n', etag: '"a2"' });
    const bg = await ThreatIntel.load(opts(true, false));
    assert.equal(bg.store.lookupIp('77.77.77.77'), undefined);
    await bg.refreshDone;
    assert.ok(bg.store.lookupIp('77.77.77.77'));
  } finally {
    await close(server);
  }
  // Offline: the server is gone, the cache is used, the failure is reported once per feed.
  errors.length = 0;
  const offline = await ThreatIntel.load(opts(true, true));
  assert.ok(offline.store.lookupIp('77.77.77.77'));
  assert.equal(errors.length, 3);
  assert.ok(errors.every((e) => /download failed \(ECONNREFUSED\); using the cached copy/.test(e)), errors.join('\n'));
  assert.ok(readFileSync(tiList, 'utf8').includes('127.0.0.1'));
});
