// Impossible values in any input (issue: one record stopped everything and lost the run): every
// such record is reported with its file and line and skipped; the rest of the run is analysed and
// written. Inputs are generated here, one file per format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runSlips, tempDir, readText, query, alertsLog } from '../helpers/run.ts';
import { connJson, connRow, tsvLog } from './logs.ts';

const GOOD = 12;
/** Timestamps no capture can have: beyond 2100, before 1970, beyond what a double holds exactly, or not numbers. */
const BAD_TIMES = ['1e13', '99999999999999', '1e300', '-1e300', String(2 ** 53 + 1), '-5', '4102444800'];
/** Other impossible values, as [field index in CONN_FIELDS, value]. */
const BAD_VALUES: [number, string][] = [[9, '-1'], [9, '0x10'], [10, '1e309'], [5, '70000'], [3, '-3'], [8, 'NaN'],
  [8, 'Infinity'], [13, '1.5e400'], [9, '12abc']];

function badRows(): string[][] {
  const rows: string[][] = [];
  let i = 1000;
  for (const t of BAD_TIMES) { const r = connRow(i++); r[0] = t; rows.push(r); }
  for (const [k, v] of BAD_VALUES) { const r = connRow(i++); r[k] = v; rows.push(r); }
  return rows;
}

/** Good rows with the bad ones spread between them, and the 1-based data positions of the bad ones. */
function mixed(): { rows: string[][]; badAt: number[] } {
  const good = Array.from({ length: GOOD }, (_, i) => connRow(i));
  const bad = badRows();
  const rows: string[][] = [];
  const badAt: number[] = [];
  for (let i = 0; i < Math.max(good.length, bad.length); i++) {
    if (good[i]) rows.push(good[i]!);
    if (bad[i]) { rows.push(bad[i]!); badAt.push(rows.length); }
  }
  return { rows, badAt };
}

function assertKeptAndReported(out: string, file: string, lines: number[]): void {
  const errors = readText(join(out, 'errors.log'));
  for (const n of lines) assert.match(errors, new RegExp(`${file.replace(/[.]/g, '\\.')}:${n}: (impossible|invalid) `), `line ${n} reported`);
  assert.equal(errors.split('\n').filter((l) => / (impossible|invalid) /.test(l)).length, lines.length, errors);
  assert.equal(query<{ n: number }>(out, 'SELECT COUNT(*) AS n FROM flows')[0]!.n, GOOD, 'every good record is in flows.sqlite');
  assert.ok(readText(join(out, 'slips.log')).includes('Stopping. Total lines read'), 'the run ended normally');
}

test('Zeek TSV: impossible timestamps and values are reported with file and line; the good records are analysed', () => {
  const dir = tempDir();
  const { rows, badAt } = mixed();
  writeFileSync(join(dir, 'conn.log'), tsvLog('conn', rows));
  const r = runSlips(['-f', join(dir, 'conn.log')]);
  assert.equal(r.code, 0, r.stderr);
  // 7 header lines precede the data.
  assertKeptAndReported(r.out, 'conn.log', badAt.map((n) => n + 7));
  assert.doesNotMatch(r.stderr, /unexpected error|RangeError|TypeError/);
});

test('Zeek JSON: the same values as JSON numbers (1e309 is Infinity) are reported and skipped', () => {
  const dir = tempDir();
  const { rows, badAt } = mixed();
  writeFileSync(join(dir, 'conn.log'), rows.map((r) => connJson(r)).join('\n') + '\n');
  const r = runSlips(['-f', join(dir, 'conn.log')]);
  assert.equal(r.code, 0, r.stderr);
  assertKeptAndReported(r.out, 'conn.log', badAt);
});

test('Suricata eve.json and Argus binetflow: impossible times and counts are reported and skipped', () => {
  const dir = tempDir();
  const flowEvent = (i: number, ts: unknown, extra: Record<string, unknown> = {}): string => JSON.stringify({
    timestamp: ts, flow_id: 1000 + i, event_type: 'flow', src_ip: '10.0.0.1', src_port: 40000 + i, dest_ip: `93.184.216.${i}`,
    dest_port: 443, proto: 'TCP', app_proto: 'tls', ...extra,
    flow: { pkts_toserver: 5, pkts_toclient: 6, bytes_toserver: 300, bytes_toclient: 4000, start: ts, end: ts, state: 'closed' },
  });
  const lines: string[] = [];
  const badAt: number[] = [];
  for (let i = 0; i < GOOD; i++) lines.push(flowEvent(i, `2021-06-06T15:59:${String(10 + i).padStart(2, '0')}.000000+0000`));
  for (const [i, ts] of [1e13, 1e300, -1e300, 2 ** 53 + 1].entries()) { lines.push(flowEvent(100 + i, ts)); badAt.push(lines.length); }
  lines.push(flowEvent(120, '2021-06-06T15:59:50.000000+0000', { dest_port: 70000 })); badAt.push(lines.length);
  lines.push(flowEvent(121, '2021-06-06T15:59:51.000000+0000', { src_port: '0x50' })); badAt.push(lines.length);
  writeFileSync(join(dir, 'eve.json'), lines.join('\n') + '\n');
  const s = runSlips(['-f', join(dir, 'eve.json')]);
  assert.equal(s.code, 0, s.stderr);
  assertKeptAndReported(s.out, 'eve.json', badAt);

  const argus = ['StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,SrcPkts,Label'];
  const argusBad: number[] = [];
  for (let i = 0; i < GOOD; i++) argus.push(`2018/12/18 14:00:${String(10 + i).padStart(2, '0')}.000000,1.0,tcp,10.0.0.1,${40000 + i},   ->,93.184.216.${i},443,SA_SA,0,0,4,400,200,2,`);
  for (const start of ['99999999999999', '9999/12/18 14:00:00.0', '1e300']) { argus.push(`${start},1.0,tcp,10.0.0.1,1,   ->,93.184.216.1,443,SA_SA,0,0,4,400,200,2,`); argusBad.push(argus.length); }
  argus.push('2018/12/18 14:01:00.000000,1e309,tcp,10.0.0.1,1,   ->,93.184.216.1,443,SA_SA,0,0,4,400,200,2,'); argusBad.push(argus.length);
  argus.push('2018/12/18 14:01:00.000000,1.0,tcp,10.0.0.1,1,   ->,93.184.216.1,443,SA_SA,0,0,-4,400,200,2,'); argusBad.push(argus.length);
  argus.push('2018/12/18 14:01:00.000000,1.0,tcp,10.0.0.1,1,   ->,93.184.216.1,99999,SA_SA,0,0,4,400,200,2,'); argusBad.push(argus.length);
  mkdirSync(join(dir, 'a'));
  writeFileSync(join(dir, 'a', 'flows.binetflow'), argus.join('\n') + '\n');
  const a = runSlips(['-f', join(dir, 'a', 'flows.binetflow')]);
  assert.equal(a.code, 0, a.stderr);
  const errors = readText(join(a.out, 'errors.log'));
  for (const n of argusBad) assert.match(errors, new RegExp(`flows\\.binetflow:${n}: `), `line ${n} reported`);
  assert.equal(query<{ n: number }>(a.out, 'SELECT COUNT(*) AS n FROM flows')[0]!.n, GOOD);
});

test("the packet engine's own Zeek logs of a capture analyse without a single error", () => {
  const out = tempDir();
  const zeek = join(out, 'zeek');
  const z = runSlips(['zeek', '-r', join(import.meta.dirname, '..', '..', '..', 'shared', 'datasets', 'slips', 'test7-malicious.pcap'), '-o', zeek], { out });
  assert.equal(z.code, 0, z.stderr);
  const r = runSlips(['-f', join(zeek, 'zeek_files')]);
  assert.equal(r.code, 0, r.stderr);
  const errors = readText(join(r.out, 'errors.log')).split('\n').filter(Boolean);
  assert.ok(errors.every((l) => / without IP endpoints /.test(l)), errors.join('\n'));
  assert.ok(alertsLog(r.out).length > 0);
});
