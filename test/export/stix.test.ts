// STIX 2.1 indicators, the bundle file and the TAXII 2.1 push, against a TAXII server on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { indicatorOf, stixPattern } from '../../src/export/stix.ts';
import type { Evidence } from '../../src/evidence/types.ts';
import { TaxiiServer } from './taxii-server.ts';
import { stixProblems } from './stix-schema.ts';
import Database from 'better-sqlite3';
import { exportConfig, fileText, freePort, query, runSlipsAsync, startSlips, TEST18, waitFor } from './lib.ts';

const evidence = (over: Partial<Evidence> = {}): Evidence => ({
  id: '7e6ede0a-f84e-42a8-94dc-4f88d3270899', evidence_type: 'UNKNOWN_PORT', description: 'Connection to unknown destination port 5888/TCP',
  attacker: { direction: 'SRC', ioc_type: 'IP', value: '192.168.1.107', TI: 'feodo' },
  victim: { direction: 'DST', ioc_type: 'IP', value: '66.63.168.35' }, threat_level: 'medium', confidence: 0.8,
  profile: '192.168.1.107', timewindow: 1, uid: ['CAbc1', 'CAbc2'], timestamp: 1677024003.123456, interface: 'default',
  proto: 'TCP', src_port: 49160, dst_port: 5888, method: 'Heuristic', rel_id: null, ...over,
});

test('an evidence becomes an Indicator with the original fields, valid STIX 2.1', () => {
  const ind = indicatorOf(evidence(), 1700000000.5)!;
  assert.equal(ind.id, 'indicator--7e6ede0a-f84e-42a8-94dc-4f88d3270899');
  assert.equal(ind.name, 'UNKNOWN_PORT');
  assert.equal(ind.description, 'Connection to unknown destination port 5888/TCP Threat level: medium.');
  assert.equal(ind.pattern, "[ipv4-addr:value = '192.168.1.107']");
  assert.equal(ind.pattern_type, 'stix');
  assert.equal(ind.valid_from, '2023-02-22T00:00:03.123456Z');
  assert.equal(ind.created, '2023-11-14T22:13:20.500Z');
  assert.deepEqual(ind.labels, ['unknown_port', 'medium']);
  assert.equal(ind.x_slips_evidence_id, '7e6ede0a-f84e-42a8-94dc-4f88d3270899');
  assert.equal(ind.x_slips_threat_level, 'MEDIUM');
  assert.equal(ind.x_slips_profile_ip, '192.168.1.107');
  assert.equal(ind.x_slips_timewindow, 1);
  assert.equal(ind.x_slips_attacker_direction, 'SRC');
  assert.equal(ind.x_slips_attacker_ti, 'feodo');
  assert.equal(ind.x_slips_victim, '66.63.168.35');
  assert.deepEqual(ind.x_slips_flow_uids, ['CAbc1', 'CAbc2']);
  assert.equal(ind.x_slips_dst_port, 5888);
  assert.equal(ind.x_slips_src_port, 49160);
  assert.equal(ind.date_added, ind.valid_from);
  assert.deepEqual(stixProblems({ type: 'bundle', id: 'bundle--2f0c5d4b-8d2e-4c4a-9a43-5b1d2f0e9a11', objects: [ind] }), []);
});

test('patterns escape quotes and backslashes, cover IPv6, domains, URLs and MD5, and fall back to the profile', () => {
  assert.equal(stixPattern('2001:db8::1', 'IP'), "[ipv6-addr:value = '2001:db8::1']");
  assert.equal(stixPattern("evil.com'] OR [x:y = 'z", 'DOMAIN'), "[domain-name:value = 'evil.com\\'] OR [x:y = \\'z']");
  assert.equal(stixPattern('http://a/\\x', 'URL'), "[url:value = 'http://a/\\\\x']");
  assert.equal(stixPattern('D41D8CD98F00B204E9800998ECF8427E', 'MD5'), "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']");
  assert.equal(stixPattern('not-an-ip', 'IP'), null);
  const ind = indicatorOf(evidence({ attacker: { direction: 'SRC', ioc_type: 'MD5', value: 'nothex' } }), 0)!;
  assert.equal(ind.pattern, "[ipv4-addr:value = '192.168.1.107']");
  const hostile = indicatorOf(evidence({ attacker: { direction: 'DST', ioc_type: 'DOMAIN', value: "a'b\\c.example" } }), 0)!;
  assert.deepEqual(stixProblems({ type: 'bundle', id: 'bundle--2f0c5d4b-8d2e-4c4a-9a43-5b1d2f0e9a11', objects: [hostile] }), []);
});

test('the schema check rejects what STIX 2.1 forbids (so the other tests can fail)', () => {
  const ind = indicatorOf(evidence(), 0)! as Record<string, unknown>;
  const bundle = (o: Record<string, unknown>) => ({ type: 'bundle', id: 'bundle--2f0c5d4b-8d2e-4c4a-9a43-5b1d2f0e9a11', objects: [o] });
  const { pattern: _p, ...noPattern } = ind;
  assert.ok(stixProblems(bundle(noPattern)).some((p) => p.includes('pattern')));
  assert.ok(stixProblems(bundle({ ...ind, created: '2023-02-22T00:00:03Z' })).length > 0, 'created needs milliseconds');
  assert.ok(stixProblems(bundle({ ...ind, spec_version: '2.0' })).length > 0);
  assert.ok(stixProblems(bundle({ ...ind, 'X-Bad': 1 })).length > 0, 'property names are lower-case');
  assert.ok(stixProblems(bundle({ ...ind, pattern: "[ipv4-addr:value = 'a'b']" })).length > 0);
  assert.ok(stixProblems({ ...bundle(ind), spec_version: '2.1' }).length > 0, 'a 2.1 bundle has no spec_version');
});

interface Run { server: TaxiiServer; children: ChildProcess[] }
function setup(t: { after: (fn: () => Promise<void> | void) => void }): Run {
  const r: Run = { server: new TaxiiServer({ username: 'slips', password: 's3cret', collectionTitle: 'Alerts' }), children: [] };
  t.after(async () => { for (const c of r.children) c.kill('SIGKILL'); await r.server.stop(); });
  return r;
}

const stixConfig = (port: number, over: Record<string, unknown> = {}) => exportConfig({
  export_to: ['stix'], TAXII_server: '127.0.0.1', port, discovery_path: '/taxii2/', collection_name: 'Alerts',
  taxii_username: 'slips', taxii_password: 's3cret', direct_export: true, export_close_timeout: 30, ...over,
});

const evidenceIds = (out: string): string[] =>
  query<{ id: string }>(out, 'SELECT id FROM evidence').map((r) => r.id).sort();

test('test18: every evidence is an Indicator in a valid STIX_data.json and in the TAXII collection', async (t) => {
  const r = setup(t);
  await r.server.start();
  const res = await runSlipsAsync(['-f', TEST18, '-c', stixConfig(r.server.port)], (c) => r.children.push(c));
  assert.equal(res.code, 0, res.stderr);
  const bundle = JSON.parse(fileText(join(res.out, 'exporting_alerts', 'STIX_data.json'))) as { objects: Record<string, unknown>[] };
  assert.deepEqual(stixProblems(bundle), []);
  const ids = evidenceIds(res.out);
  assert.equal(ids.length, 912);
  assert.deepEqual(bundle.objects.map((o) => o.x_slips_evidence_id).sort(), ids);
  assert.deepEqual(r.server.latest().map((o) => o.x_slips_evidence_id).sort(), ids, 'the server holds each indicator once');
  assert.ok(r.server.requests.every((q) => q.authorized), 'every request carries the basic-auth credentials');
  assert.ok(r.server.requests.some((q) => q.method === 'GET' && q.path === '/taxii2/'), 'the collection is found through discovery');
  const one = bundle.objects.find((o) => o.x_slips_victim === '66.63.168.35')!;
  assert.match(String(one.pattern), /^\[ipv4-addr:value = '192\.168\.1\.107'\]$/);
  assert.match(fileText(join(res.out, 'exporting_alerts', 'stix_exporter.log')), /Export success count=/);
});

const queued = (out: string): number => {
  const db = new Database(join(out, 'databases', 'stix_export_queue.sqlite'), { readonly: true });
  try { return (db.prepare('SELECT COUNT(*) AS n FROM export_queue').get() as { n: number }).n; } finally { db.close(); }
};

test('a TAXII server that is down at first loses nothing: indicators wait in the on-disk queue and are pushed when it comes back', async (t) => {
  const r = setup(t);
  const port = await freePort();
  const conf = stixConfig(port, { direct_export_retry_backoff: 0.1, direct_export_retry_max_delay: 0.3, export_close_timeout: 120 });
  const live = startSlips(['-f', TEST18, '-c', conf], (c) => r.children.push(c));
  assert.ok(await waitFor(() => /cannot push to the TAXII server .*ECONNREFUSED/.test(live.stderr()), 60), live.stderr());
  await r.server.start(port);
  const res = await live.done;
  assert.equal(res.code, 0, res.stderr);
  const ids = evidenceIds(res.out);
  assert.equal(ids.length, 912);
  assert.deepEqual(r.server.latest().map((o) => o.x_slips_evidence_id).sort(), ids);
  assert.match(res.stdout, /the TAXII server takes indicators again/);
  assert.equal(queued(res.out), 0, 'the queue is empty once the server has everything');
});

test('wrong credentials: the server answers 401, the run ends and every indicator stays queued on disk', async (t) => {
  const r = setup(t);
  await r.server.start();
  const conf = stixConfig(r.server.port, { taxii_password: 'wrong', export_close_timeout: 1 });
  const res = await runSlipsAsync(['-f', TEST18, '-c', conf], (c) => r.children.push(c));
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /cannot push to the TAXII server .*HTTP 401/);
  assert.match(res.stderr, /912 not pushed yet .* they stay in databases\/stix_export_queue\.sqlite/);
  assert.equal(queued(res.out), 912);
  assert.equal(r.server.objects.size, 0);
});

test('without direct_export a file run pushes once at the end, in envelopes of at most 100 indicators', async (t) => {
  const r = setup(t);
  await r.server.start();
  const res = await runSlipsAsync(['-f', TEST18, '-c', stixConfig(r.server.port, { direct_export: false })], (c) => r.children.push(c));
  assert.equal(res.code, 0, res.stderr);
  const posts = r.server.requests.filter((q) => q.method === 'POST');
  assert.equal(posts.length, Math.ceil(912 / 100));
  assert.equal(r.server.objects.size, 912);
});
