// Smaller contract points of the reliability issue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runSlips, tempDir, readText, SLIPS_DATA } from '../helpers/run.ts';
import { connRow, tsvLog } from './logs.ts';

test('.nan and .inf in the configuration are named as written, not as "null"', () => {
  for (const [value, shown] of [['.nan', '.nan'], ['.inf', '.inf']]) {
    const cfg = join(tempDir(), 'c.yaml');
    writeFileSync(cfg, `flow_alerts:\n  long_connection_threshold: ${value}\n`);
    const r = runSlips(['-c', cfg, '-f', join(SLIPS_DATA, 'port-scans', 'vertical', 'conn.log')]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `slips: ${cfg}: "flow_alerts.long_connection_threshold" must be a number, got ${shown}\n`);
  }
});

test('records without IP endpoints are reported once per file, with their count', () => {
  const dir = tempDir();
  const rows = [connRow(0), connRow(1)];
  for (let i = 0; i < 7; i++) { const r = connRow(10 + i); r[2] = i % 2 ? '-' : 'not-an-ip'; rows.push(r); }
  writeFileSync(join(dir, 'conn.log'), tsvLog('conn', rows));
  const r = runSlips(['-f', dir]);
  assert.equal(r.code, 0, r.stderr);
  const lines = readText(join(r.out, 'errors.log')).split('\n').filter(Boolean);
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /conn\.log: 7 records without IP endpoints \(the first at line 10\) not analysed, as the original drops them/);
  assert.match(r.stdout, /Ignored 7 records without IP endpoints/);
});

test("nfdump's own words about a damaged file reach errors.log", (t) => {
  if (spawnSync('nfdump', ['-V']).error) { t.skip('nfdump is not installed (Debian package nfdump)'); return; }
  const bytes = readFileSync(join(SLIPS_DATA, 'test1-malicious.nfdump'));
  const damaged = Buffer.from(bytes);
  for (let i = 4; i < 200; i++) damaged[i] = 0xff;
  const path = join(tempDir(), 'flows.nfdump');
  writeFileSync(path, damaged);
  const r = runSlips(['-f', path]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(readText(join(r.out, 'errors.log')), /flows\.nfdump: nfdump (reported|exited with status \d+): .+/);
});
