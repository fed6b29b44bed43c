// Exporters that write files: JSON lines (file or standard output) and IDEA0 files for Warden Filer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { ideaMessage } from '../../src/export/idea.ts';
import type { Evidence } from '../../src/evidence/types.ts';
import { alertsJson, tempDir } from '../helpers/run.ts';
import { exportConfig, query, runSlipsAsync, TEST18 } from './lib.ts';
import { isPrivateIp } from '../../src/util/ip.ts';

const withoutCreateTime = (o: Record<string, unknown>): Record<string, unknown> => { const { CreateTime: _c, ...rest } = o; return rest; };

test('json: the IDMEFv2 objects of alerts.json, one per line, in a file and on standard output', async (t) => {
  const children: ChildProcess[] = [];
  t.after(() => { for (const c of children) c.kill('SIGKILL'); });
  const res = await runSlipsAsync(['-f', TEST18, '-c', exportConfig({ export_to: ['json'] })], (c) => children.push(c));
  assert.equal(res.code, 0, res.stderr);
  const lines = readFileSync(join(res.out, 'exporting_alerts', 'alerts.jsonl'), 'utf8').split('\n').filter(Boolean);
  assert.ok(lines.every((l) => /^[\x20-\x7e]+$/.test(l)), 'printable ASCII only');
  assert.deepEqual(lines.map((l) => withoutCreateTime(JSON.parse(l) as Record<string, unknown>)), alertsJson(res.out).map(withoutCreateTime));
  assert.equal(lines.length, 938);

  const out = await runSlipsAsync(['-f', TEST18, '-c', exportConfig({ export_to: ['json'], json_lines_output: 'stdout' })], (c) => children.push(c));
  assert.equal(out.code, 0, out.stderr);
  const objects = out.stdout.split('\n').filter((l) => l.startsWith('{"Version"')).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(objects.length, 938);
  assert.equal(objects.filter((o) => o.Status === 'Incident').length, 26);
});

const ev = (over: Partial<Evidence>): Evidence => ({
  id: 'a1b2c3d4-0000-4000-8000-000000000001', evidence_type: 'COMMAND_AND_CONTROL_CHANNEL', description: 'C&C channel, destination IP: 66.63.168.35',
  attacker: { direction: 'SRC', ioc_type: 'IP', value: '93.184.216.34' }, victim: { direction: 'DST', ioc_type: 'IP', value: '66.63.168.35' },
  threat_level: 'high', confidence: 0.9, profile: '93.184.216.34', timewindow: 1, uid: ['C1'], timestamp: 1677024003.25,
  interface: 'default', proto: 'TCP', src_port: 49160, dst_port: 5888, method: 'AI', rel_id: null, ...over,
});

test('IDEA0: required fields, C&C sides as Botnet and CC sources, private addresses and info evidence left out', () => {
  const m = ideaMessage(ev({}), 'cz.example.slips', 1700000000)!;
  assert.equal(m.Format, 'IDEA0');
  assert.equal(m.ID, 'a1b2c3d4-0000-4000-8000-000000000001');
  assert.equal(m.DetectTime, '2023-11-14T22:13:20.000Z');
  assert.equal(m.EventTime, '2023-02-22T00:00:03.250Z');
  assert.deepEqual(m.Category, ['Intrusion.Botnet']);
  assert.deepEqual(m.Source, [{ IP4: ['93.184.216.34'], Port: [49160], Proto: ['tcp'], Type: ['Botnet'] },
    { IP4: ['66.63.168.35'], Port: [5888], Proto: ['tcp'], Type: ['CC'] }]);
  assert.equal(m.Target, undefined);
  assert.deepEqual(m.Node, [{ Name: 'cz.example.slips', Type: ['Flow', 'Statistical'], SW: ['Slips'] }]);
  const scan = ideaMessage(ev({ evidence_type: 'HORIZONTAL_PORT_SCAN', attacker: { direction: 'SRC', ioc_type: 'IP', value: '192.168.1.5' } }), 'n', 0)!;
  assert.equal(scan.Source, undefined, 'the private attacker is not shared');
  assert.deepEqual(scan.Target, [{ IP4: ['66.63.168.35'], Port: [5888], Proto: ['tcp'] }]);
  assert.deepEqual(scan.Category, ['Recon.Scanning']);
  assert.equal(ideaMessage(ev({ threat_level: 'info' }), 'n', 0), null);
  assert.equal(ideaMessage(ev({ attacker: { direction: 'SRC', ioc_type: 'IP', value: '10.0.0.1' }, victim: null }), 'n', 0), null);
});

test('idea: test18 leaves one IDEA0 file per shareable evidence in the Warden Filer incoming folder, none in temp', async (t) => {
  const children: ChildProcess[] = [];
  t.after(() => { for (const c of children) c.kill('SIGKILL'); });
  const warden = join(tempDir('slips-warden-'), 'warden.conf');
  writeFileSync(warden, '// Warden client configuration\n{"url": "https://warden.example/warden3", "name": "cz.example.sensor.slips"}\n');
  const spool = tempDir('slips-spool-');
  const res = await runSlipsAsync(['-f', TEST18, '-c', exportConfig({ export_to: ['idea'], idea_directory: spool },
    `cesnet:\n  configuration_file: ${JSON.stringify(warden)}\n`)], (c) => children.push(c));
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(readdirSync(join(spool, 'temp')), []);
  const files = readdirSync(join(spool, 'incoming'));
  const messages = files.map((f) => JSON.parse(readFileSync(join(spool, 'incoming', f), 'utf8')) as Record<string, unknown>);
  const rows = query<{ id: string; threat_level: string; attacker: string; victim: string | null }>(res.out,
    'SELECT id, threat_level, attacker, victim FROM evidence');
  const shareable = rows.filter((r) => r.threat_level !== 'info' && (!isPrivateIp(r.attacker) || (r.victim && !isPrivateIp(r.victim))));
  assert.ok(shareable.length > 0);
  assert.deepEqual(messages.map((m) => m.ID).sort(), shareable.map((r) => r.id).sort());
  for (const m of messages) {
    for (const key of ['Format', 'ID', 'DetectTime', 'Category']) assert.ok(key in m, `IDEA requires ${key}`);
    assert.deepEqual((m.Node as { Name: string }[])[0]!.Name, 'cz.example.sensor.slips');
    for (const side of [...((m.Source ?? []) as Record<string, string[]>[]), ...((m.Target ?? []) as Record<string, string[]>[])]) {
      for (const ip of side.IP4 ?? []) assert.ok(!isPrivateIp(ip), `${ip} is private`);
    }
  }
});
