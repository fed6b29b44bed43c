// Damaged gzip logs keep every record decoded before the damage (as `gzip -dc` does) and report
// the damage once; a complete record is never reported as malformed because of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runSlips, tempDir, readText, query } from '../helpers/run.ts';
import { connRow, tsvLog } from './logs.ts';

const RECORDS = 1500;
const log = (): Buffer => Buffer.from(tsvLog('conn', Array.from({ length: RECORDS }, (_, i) => connRow(i))));

function analyse(bytes: Buffer): { out: string; errors: string[]; flows: number } {
  const dir = tempDir();
  writeFileSync(join(dir, 'conn.log.gz'), bytes);
  const r = runSlips(['-f', join(dir, 'conn.log.gz')]);
  assert.equal(r.code, 0, r.stderr);
  return { out: r.out, errors: readText(join(r.out, 'errors.log')).split('\n').filter(Boolean),
    flows: query<{ n: number }>(r.out, 'SELECT COUNT(*) AS n FROM flows')[0]!.n };
}

test('trailing garbage after the gzip data: every record kept, one notice', () => {
  const r = analyse(Buffer.concat([gzipSync(log()), Buffer.from('garbage that is not gzip\n')]));
  assert.equal(r.flows, RECORDS);
  assert.equal(r.errors.length, 1, r.errors.join('\n'));
  assert.match(r.errors[0]!, /conn\.log\.gz:\d+: trailing bytes after the gzip data ignored; every record before them was read/);
});

test('a bad CRC: every record kept, one notice', () => {
  const gz = gzipSync(log());
  gz[gz.length - 8]! ^= 0xff;
  const r = analyse(gz);
  assert.equal(r.flows, RECORDS);
  assert.equal(r.errors.length, 1, r.errors.join('\n'));
  assert.match(r.errors[0]!, /gzip CRC or length check failed/);
});

test('several gzip members (concatenated files) are all read', () => {
  const half = Array.from({ length: RECORDS }, (_, i) => connRow(i));
  const a = gzipSync(Buffer.from(tsvLog('conn', half.slice(0, 700))));
  const b = gzipSync(Buffer.from(half.slice(700).map((r) => r.join('\t') + '\n').join('')));
  const r = analyse(Buffer.concat([a, b]));
  assert.equal(r.flows, RECORDS);
  assert.deepEqual(r.errors, []);
});

test('a truncated file: the records before the cut are kept, the cut line is not called malformed', () => {
  const gz = gzipSync(log());
  const r = analyse(gz.subarray(0, Math.floor(gz.length * 0.6)));
  assert.ok(r.flows > RECORDS * 0.4 && r.flows < RECORDS, String(r.flows));
  assert.equal(r.errors.length, 1, r.errors.join('\n'));
  assert.match(r.errors[0]!, /input ends early \(truncated gzip data; its last, incomplete line is not analysed\); the \d+ lines before were analysed/);
  assert.ok(!r.errors.some((l) => /tab-separated fields/.test(l)));
});
