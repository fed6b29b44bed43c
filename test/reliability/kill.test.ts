// After SIGKILL the outputs agree up to the moment of the kill: alerts.log holds the evidence of
// alerts.json in the same order (they are written out together, alerts.json first, at least every
// second and at each alert, so a kill between the two writes leaves alerts.log a prefix), the
// evidence table holds no evidence alerts.json lacks (rows go to the database only after the text
// holding them), and slips.log is not empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { REPO, tempDir, readText } from '../helpers/run.ts';
import { tsvLog } from './logs.ts';

test('SIGKILL in the middle of a run: alerts.log, alerts.json and the evidence table agree', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'conn.log');
  writeFileSync(path, tsvLog('conn', []));
  const out = createWriteStream(path, { flags: 'a' });
  // Established connections to unknown ports of many hosts: evidence all along the file.
  for (let i = 0; i < 300_000; i++) {
    const line = `${1_600_000_000 + i * 0.01}\tC${i}\t10.0.${(i >> 8) & 15}.${i & 255}\t${40000 + (i % 20000)}\t93.184.${(i >> 8) & 255}.${i & 255}\t${31000 + (i % 500)}\ttcp\t-\t1.0\t300\t400\tSF\tShADadFf\t5\t6\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const outDir = tempDir();
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli', 'main.ts'), '-f', path, '-o', outDir],
    { cwd: REPO, stdio: 'ignore', env: { ...process.env, TZ: 'UTC' } });
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  const exited = once(child, 'exit');
  const log = join(outDir, 'alerts', 'alerts.log');
  // Kill once evidence has reached the files (or let a very fast run finish: the checks hold then too).
  for (let i = 0; i < 600 && child.exitCode === null; i++) {
    if (existsSync(log) && statSync(log).size > 0) break;
    await sleep(100);
  }
  await sleep(300);
  child.kill('SIGKILL');
  await exited;

  const lines = readText(log).split('\n').filter(Boolean);
  const events = readText(join(outDir, 'alerts', 'alerts.json')).split('\n').filter(Boolean)
    .map((l) => JSON.parse(l) as { Status: string; ID: string; Description?: string });
  assert.ok(lines.length > 0, 'evidence was written before the kill');
  const logged = lines.filter((l) => / \(TW \d+\): /.test(l));
  const evidence = events.filter((e) => e.Status === 'Event');
  assert.ok(logged.length <= evidence.length, `${logged.length} lines in alerts.log, ${evidence.length} events in alerts.json`);
  logged.forEach((l, i) => assert.ok(l.includes(` Detected ${evidence[i]!.Description!} `), `line ${i + 1} of alerts.log is event ${i + 1} of alerts.json`));
  const ids = new Set(events.map((e) => e.ID));
  const db = new Database(join(outDir, 'databases', 'flows.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT id FROM evidence').all() as { id: string }[];
    assert.ok(rows.every((r) => ids.has(r.id)), 'no evidence in the database that the text outputs lack');
  } finally { db.close(); }
  assert.ok(readText(join(outDir, 'slips.log')).length > 0, 'slips.log is not empty');
});
