// The threat-intelligence detectors on their own: feeds loaded from files the test writes, a real
// detector context with those feeds, hand-made flows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ThreatIntel } from '../../../src/ti/service.ts';
import { ThreatIntelChecks } from '../../../src/detect/threat_intelligence/ti.ts';
import { FingerprintChecks } from '../../../src/detect/threat_intelligence/fingerprints.ts';
import { conn, detectionContext, type RecordingContext } from '../../helpers/flows.ts';
import { dns, feed, ssl } from '../flow_alerts/records.ts';
import { tempDir } from '../../helpers/run.ts';

async function feeds(files: Record<string, string>): Promise<ThreatIntel> {
  const dir = tempDir('ti-unit-');
  const local = join(dir, 'local');
  mkdirSync(local);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(local, name), text);
  return ThreatIntel.load({ localDir: local, feedLists: [], cacheDir: join(dir, 'cache'), download: false, updatePeriod: 0,
    waitForDownloads: false });
}

const IOCS = ['198.51.100.0/24,medium,doc network', '203.0.113.66,high,a listed host', 'evil.example,high,a listed domain',
  'bad.example.org,low,a listed domain with subdomains'].join('\n') + '\n';

function run(ti: ThreatIntel): { ctx: RecordingContext; d: ThreatIntelChecks } {
  const ctx = detectionContext(() => {}, { ti });
  return { ctx, d: new ThreatIntelChecks(ctx) };
}

test('a listed destination gives twin evidence (the peer with the feed level, the profile low), once per window', async () => {
  // Documentation addresses are private in Python's sense and never listed; a public host is used.
  const ti = await feeds({ 'mine.csv': IOCS.replace('203.0.113.66', '45.33.32.156') });
  const { ctx, d } = run(ti);
  feed(ctx, [d], [conn({ daddr: '45.33.32.156', uid: 'A' }), conn({ daddr: '45.33.32.156', uid: 'B', starttime: 1100 })]);
  const ev = ctx.evidence.filter((e) => e.evidence_type === 'THREAT_INTELLIGENCE_TO_BLACKLISTED_IP');
  assert.equal(ev.length, 2, 'twins for the first flow, nothing again in the same window');
  assert.equal(ev[0]!.description, 'connection to blacklisted IP: 45.33.32.156 from 192.168.1.5. Description: a listed host. Source: mine.csv.');
  assert.deepEqual([ev[0]!.attacker.value, ev[0]!.threat_level, ev[0]!.profile], ['45.33.32.156', 'high', '45.33.32.156']);
  assert.deepEqual([ev[1]!.attacker.value, ev[1]!.threat_level, ev[1]!.profile], ['192.168.1.5', 'low', '192.168.1.5']);
  // A later window reports it again.
  feed(ctx, [d], [conn({ daddr: '45.33.32.156', uid: 'C', starttime: 1000 + 3 * 3600 })]);
  assert.equal(ctx.evidence.filter((e) => e.evidence_type === 'THREAT_INTELLIGENCE_TO_BLACKLISTED_IP').length, 4);
  // The profile remembers the hit.
  assert.ok(JSON.stringify(ctx.store.profile('192.168.1.5')?.info.threat_intelligence).includes('45.33.32.156'));
});

test('domains: an exact match at confidence 1, a listed parent at 0.7; unlisted names and private answers give nothing', async () => {
  const ti = await feeds({ 'mine.csv': IOCS });
  const { ctx, d } = run(ti);
  feed(ctx, [d], [
    dns({ query: 'evil.example', answers: ['93.184.216.34'], uid: 'D1' }),
    dns({ query: 'www.bad.example.org', answers: ['93.184.216.35'], uid: 'D2' }),
    dns({ query: 'good.example.net', answers: ['93.184.216.36'], uid: 'D3' }),
  ]);
  const ev = ctx.evidence.filter((e) => e.evidence_type === 'THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN' && e.attacker.direction === 'SRC');
  assert.deepEqual(ev.map((e) => [e.victim!.value, e.confidence, e.threat_level]), [['evil.example', 1, 'high'], ['www.bad.example.org', 0.7, 'low']]);
  assert.match(ev[0]!.description, /^connection to a blacklisted domain evil\.example\. Description: a listed domain, Found in feed: mine\.csv, Confidence: 1/);
  assert.ok(!ctx.evidence.some((e) => JSON.stringify(e).includes('good.example.net')));
});

test('no feeds: no evidence', async () => {
  const { ctx, d } = run(ThreatIntel.empty());
  feed(ctx, [d], [conn({ daddr: '45.33.32.156' }), dns({ query: 'evil.example' })]);
  assert.deepEqual(ctx.evidence, []);
});

test('JA3 fingerprints: a listed client hash is MALICIOUS_JA3 with the feed description', async () => {
  const ti = await feeds({ 'my_JA3.csv': '"6734f37431670b3ab4292b8f60f29984","high","Trickbot Malware"\n' });
  const ctx = detectionContext(() => {}, { ti });
  const d = new FingerprintChecks(ctx);
  feed(ctx, [d], [ssl({ ja3: '6734f37431670b3ab4292b8f60f29984', daddr: '93.184.216.34' }), ssl({ ja3: '00000000000000000000000000000000', uid: 'U2' })]);
  const ev = ctx.evidence.filter((e) => e.evidence_type === 'MALICIOUS_JA3');
  assert.equal(ev.length, 1);
  assert.match(ev[0]!.description, /^Malicious JA3: 6734f37431670b3ab4292b8f60f29984 from source address 192\.168\.1\.5 to 93\.184\.216\.34\..*Trickbot Malware/);
  assert.equal(ev[0]!.threat_level, 'high');
});
