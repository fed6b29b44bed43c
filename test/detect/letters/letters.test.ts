// Stratosphere letters: the symbol table, periodicity, zeros and time characters, and the export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { nextSymbol, periodicity, timeChar, type TupleClock } from '../../../src/detect/letters/stratoletters.ts';
import { StratoLetters } from '../../../src/detect/letters/index.ts';
import { conn, detectionContext, fc } from '../../helpers/flows.ts';
import { readText, runSlips, SLIPS_DATA, tempDir } from '../../helpers/run.ts';

test('periodicity classes and time characters', () => {
  assert.equal(periodicity(null, 5), -1);
  assert.equal(periodicity(10, 10.4), 1);
  assert.equal(periodicity(10, 12), 2);
  assert.equal(periodicity(10, 40), 3);
  assert.equal(periodicity(10, 60), 4);
  assert.equal(periodicity(0, 5), 1);
  assert.deepEqual([0, 5, 60, 300, 3600, 3601].map(timeChar), ['', '.', ',', '+', '*', '']);
});

test('a periodic small short tuple: 1, 1, then a. a. ...; zeros for hour-long gaps', () => {
  const clock: TupleClock = { last: null, lastLast: null };
  const s = [0, 2, 4, 6, 8].map((t) => nextSymbol(clock, t, 0.05, 100)).join('');
  assert.equal(s, '11a.a.a.');
  const c2: TupleClock = { last: null, lastLast: null };
  const big = [0, 7200, 14400].map((t) => nextSymbol(c2, t, 20, 5000)).join('');
  assert.equal(big, '9900i');
});

test('letters per tuple, exported to strato_letters.tsv when export_strato_letters is on', () => {
  const ctx = detectionContext((r) => { r.parameters.export_strato_letters = true; });
  const d = new StratoLetters(ctx);
  for (let i = 0; i < 4; i++) d.onFlow(conn({ daddr: '1.2.3.4', dport: 443, starttime: 100 + i * 30, dur: 1, sbytes: 100, dbytes: 100 }), fc('192.168.1.5'));
  assert.equal(d.lettersOf('192.168.1.5', 1, '1.2.3.4-443-tcp'), '22b,b,');
  const off = new StratoLetters(detectionContext());
  off.onFlow(conn(), fc('192.168.1.5'));
  assert.equal(off.lettersOf('192.168.1.5', 1, '8.8.8.8-443-tcp'), undefined);

  const dir = tempDir();
  writeFileSync(join(dir, 'slips.yaml'), 'parameters:\n  export_strato_letters: true\n');
  const r = runSlips(['-c', join(dir, 'slips.yaml'), '-f', join(SLIPS_DATA, 'port-scans', 'horizontal', 'conn.log')], { out: join(dir, 'out') });
  assert.equal(r.code, 0, r.stderr);
  const rows = readText(join(r.out, 'strato_letters.tsv')).split('\n').filter(Boolean);
  assert.equal(rows[0], 'Outtuple\tLetters');
  assert.ok(rows.includes('10.0.2.112-8.8.8.8-53-udp-timewindow1\t21R.'), rows.join('\n'));
  assert.ok(rows.some((l) => l.startsWith('10.0.2.112-195.113.214.221-80-tcp-timewindow1\t')));
});
