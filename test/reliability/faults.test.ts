// No exception anywhere in a run may lose what was read: a fault on one flow skips that flow; a
// run that cannot go on flushes and closes every output, says what happened in errors.log, and
// exits non-zero promptly (it once printed a stack trace and then never exited).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir, readText, query } from '../helpers/run.ts';
import { connRow, tsvLog } from './logs.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'faulty-slips.ts');

function faultyRun(fault: string, records: number): { code: number | null; stderr: string; out: string } {
  const dir = tempDir();
  writeFileSync(join(dir, 'conn.log'), tsvLog('conn', Array.from({ length: records }, (_, i) => connRow(i))));
  const out = tempDir();
  // A generous timeout: a run that hangs fails here instead of hanging the suite.
  const r = spawnSync(process.execPath, ['--import', 'tsx', FIXTURE, '-f', join(dir, 'conn.log'), '-o', out], {
    cwd: REPO, encoding: 'utf8', env: { ...process.env, TZ: 'UTC', FAULT: fault }, timeout: 120_000, killSignal: 'SIGKILL' });
  return { code: r.status, stderr: r.stderr, out };
}

test('a fault on single flows skips them and the run goes on', () => {
  // Faults on the last 30 of 500 flows: fewer than the limit at which the run stops.
  const r = faultyRun('flows:470', 500);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(query<{ n: number }>(r.out, 'SELECT COUNT(*) AS n FROM flows')[0]!.n, 470);
  const errors = readText(join(r.out, 'errors.log'));
  assert.equal(errors.split('\n').filter((l) => /internal error on the flow C\d+ at \d+; the flow is skipped:/.test(l)).length, 30);
  assert.match(errors, /Error: injected fault on C499/);
});

test('persistent faults stop the run: outputs complete, errors.log says why, exit status 2', () => {
  const r = faultyRun('flows:300', 2000);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^slips: the analysis stopped on an unexpected error \(100 internal errors on flows\); everything read before it is in .*, details in its errors\.log$/m);
  assert.equal(query<{ n: number }>(r.out, 'SELECT COUNT(*) AS n FROM flows')[0]!.n, 300, 'what was analysed is in flows.sqlite');
  assert.match(readText(join(r.out, 'errors.log')), /100 internal errors; stopping the analysis/);
  assert.match(readText(join(r.out, 'slips.log')), /Stopping\. Total lines read/);
  assert.ok(query(r.out, 'SELECT * FROM analysis').length > 0, 'the database was closed properly');
});

test('an error thrown outside the analysis (a timer) ends the run the same way', () => {
  const r = faultyRun('async', 3000);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /slips: the analysis stopped on an unexpected error \(injected asynchronous fault\)/);
  assert.match(readText(join(r.out, 'errors.log')), /\[main\] unexpected error/);
  assert.ok(query<{ n: number }>(r.out, 'SELECT COUNT(*) AS n FROM flows')[0]!.n >= 1);
});
