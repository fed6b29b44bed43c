// -o must never delete what this project did not write, never the input, and never before the
// run is known to start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSlips, tempDir, readText, SLIPS_DATA } from '../helpers/run.ts';

const INPUT = join(SLIPS_DATA, 'port-scans', 'vertical', 'conn.log');

test('a folder that merely holds entries named like the outputs is refused and left alone', () => {
  for (const name of ['slips.log', 'errors.log', 'alerts', 'databases', 'metadata']) {
    const dir = tempDir();
    const entry = join(dir, name);
    if (name.includes('.')) writeFileSync(entry, 'mine'); else { mkdirSync(entry); writeFileSync(join(entry, 'f'), 'mine'); }
    writeFileSync(join(dir, 'thesis.tex'), 'precious');
    const r = runSlips(['-f', INPUT, '-o', dir]);
    assert.equal(r.code, 1, name);
    assert.match(r.stderr, /^slips: output folder .* holds no earlier slips output/);
    assert.deepEqual(readdirSync(dir).sort(), [name, 'thesis.tex'].sort(), name);
    assert.equal(readText(join(dir, 'thesis.tex')), 'precious');
  }
});

test('the input inside the output folder is never deleted: the run is refused', () => {
  const out = tempDir();
  // A pcap analysis writes the packet engine's Zeek logs into OUT/zeek_files.
  const first = runSlips(['-f', join(SLIPS_DATA, 'test8-malicious.pcap'), '-o', out]);
  assert.equal(first.code, 0, first.stderr);
  const before = readdirSync(join(out, 'zeek_files')).sort();
  const r = runSlips(['-f', join(out, 'zeek_files'), '-o', out]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^slips: the input .*zeek_files is inside the output folder .*, which is cleared before a run; choose another -o\n$/);
  assert.deepEqual(readdirSync(join(out, 'zeek_files')).sort(), before);
  // The same folder as input and output is refused too.
  const dir = tempDir();
  writeFileSync(join(dir, 'conn.log'), readText(INPUT));
  const same = runSlips(['-f', dir, '-o', dir]);
  assert.equal(same.code, 1);
  assert.ok(existsSync(join(dir, 'conn.log')));
});

test('a run refused by its configuration leaves the earlier output as it was', () => {
  const out = tempDir();
  const first = runSlips(['-f', INPUT, '-o', out]);
  assert.equal(first.code, 0, first.stderr);
  const alerts = readText(join(out, 'alerts', 'alerts.log'));
  const cfg = join(tempDir(), 'bad.yaml');
  writeFileSync(cfg, 'parameters:\n  argus_timezone: Mars/Olympus_Mons\n');
  const r = runSlips(['-c', cfg, '-f', join(SLIPS_DATA, 'test2-malicious.binetflow'), '-o', out]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /argus_timezone/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.equal(readText(join(out, 'alerts', 'alerts.log')), alerts, 'the earlier output is untouched');
  const missing = runSlips(['-f', '/no/such/input', '-o', out]);
  assert.equal(missing.code, 1);
  assert.equal(readText(join(out, 'alerts', 'alerts.log')), alerts);
});
