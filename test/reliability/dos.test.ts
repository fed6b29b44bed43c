// A flood of spoofed sources: beyond parameters.max_profiles_per_timewindow live profiles in one
// time window the least active are shed (counted and logged), the run completes, and attackers
// with evidence are kept. The memory figures are measured by bench/spoofed-sources.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSlips, tempDir, readText, alertsLog } from '../helpers/run.ts';
import { tsvLog } from './logs.ts';

test('spoofed sources beyond the per-window limit are shed and logged; a real scanner among them is still detected', () => {
  const dir = tempDir();
  const rows: string[][] = [];
  const t0 = 1_600_000_000;
  for (let i = 0; i < 3000; i++) {
    // One SYN from each of 3000 spoofed sources ...
    rows.push([String(t0 + i * 0.1), `S${i}`, `11.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, '1234', '198.51.100.7', '80', 'tcp', '-',
      '-', '0', '0', 'S0', 'S', '1', '0']);
    // ... and a vertical scan of 300 ports from one source, spread among them.
    if (i % 10 === 0) rows.push([String(t0 + i * 0.1 + 0.01), `V${i}`, '203.0.113.66', '4444', '198.51.100.7', String(1000 + i / 10), 'tcp', '-',
      '-', '0', '0', 'S0', 'S', '1', '0']);
  }
  writeFileSync(join(dir, 'conn.log'), tsvLog('conn', rows));
  const cfg = join(tempDir(), 'cap.yaml');
  writeFileSync(cfg, 'parameters:\n  max_profiles_per_timewindow: 500\n');
  const r = runSlips(['-c', cfg, '-f', join(dir, 'conn.log')]);
  assert.equal(r.code, 0, r.stderr);
  const log = readText(join(r.out, 'slips.log'));
  assert.match(log, /DoS protection: timewindow1 has more than 500 live profiles; shed 50 of the least active/);
  const total = /DoS protection: (\d+) profile windows were shed in all/.exec(log);
  assert.ok(total && Number(total[1]) >= 2500 && Number(total[1]) <= 3000, log);
  assert.ok(alertsLog(r.out).some((l) => l.includes('vertical port scan to IP 198.51.100.7 from 203.0.113.66')), 'the scanner is kept');
});
