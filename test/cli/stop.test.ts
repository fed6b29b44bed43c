// Stopping: SIGTERM and Ctrl-C end the analysis early but gracefully: what was read is analysed,
// outputs are flushed and closed, exit code 0. The input is a stream that is still open when the
// signal comes, so the stop is before the end of the input whatever the machine's speed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO, query, readText, tempDir } from '../helpers/run.ts';

const record = (i: number): string => JSON.stringify({ ts: 1_600_000_000 + i, uid: `C${i}`, 'id.orig_h': `10.0.${(i >> 8) & 255}.${i & 255}`,
  'id.orig_p': 40000 + (i % 20000), 'id.resp_h': '93.184.216.34', 'id.resp_p': 443, proto: 'tcp', duration: 1, orig_bytes: 100,
  resp_bytes: 200, conn_state: 'SF', orig_pkts: 3, resp_pkts: 3 }) + '\n';

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} during an analysis stops early and closes every output`, async (t) => {
    const out = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli', 'main.ts'), '-f', 'zeek', '-o', out],
      { cwd: REPO, env: { ...process.env, TZ: 'UTC' } });
    t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
    let text = '';
    child.stdout.on('data', (d: Buffer) => { text += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { text += d.toString(); });
    child.stdin.on('error', () => {}); // the child may close it first
    const exited = once(child, 'exit');
    // Records until some reached flows.sqlite (written at least every second); the stream stays open.
    let sent = 0;
    const db = join(out, 'databases', 'flows.sqlite');
    for (let round = 0; round < 600; round++) {
      let chunk = '';
      for (let i = 0; i < 2000; i++) chunk += record(sent++);
      child.stdin.write(chunk);
      await sleep(100);
      if (existsSync(db) && query<{ n: number }>(out, 'SELECT COUNT(*) AS n FROM flows')[0]!.n > 0) break;
    }
    child.kill(signal);
    const [code] = await exited as [number | null];
    assert.equal(code, 0, text);
    assert.match(text, new RegExp(`${signal} received`));
    const analysed = Number(/Analysed (\d+) flows/.exec(text)?.[1]);
    assert.ok(analysed > 0, text);
    assert.ok(analysed <= sent);
    const [flows] = query<{ n: number }>(out, 'SELECT COUNT(*) AS n FROM flows');
    assert.equal(flows!.n, analysed, 'every analysed flow is in the database');
    assert.match(readText(join(out, 'slips.log')), /Stopping early on request/);
  });
}
