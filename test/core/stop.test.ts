// Stopping: SIGTERM and Ctrl-C end the analysis early but gracefully: what was read is analysed,
// outputs are flushed and closed, exit code 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { generate } from '../../bench/generate-zeek.ts';
import { REPO, query, readText, tempDir } from '../helpers/run.ts';

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} during a long file analysis stops early and closes every output`, async () => {
    const input = tempDir();
    generate({ conn: 400_000, hosts: 200, out: input, seed: 3 });
    const out = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli', 'main.ts'), '-f', input, '-o', out],
      { cwd: REPO, env: { ...process.env, TZ: 'UTC' } });
    let text = '';
    child.stdout.on('data', (d: Buffer) => { text += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { text += d.toString(); });
    const deadline = Date.now() + 30_000;
    while (!text.includes('Using threshold') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill(signal);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, text);
    assert.match(text, new RegExp(`${signal} received`));
    assert.match(text, /Analysed (\d+) flows/);
    const analysed = Number(/Analysed (\d+) flows/.exec(text)![1]);
    assert.ok(analysed > 0, text);
    const [flows] = query<{ n: number }>(out, 'SELECT COUNT(*) AS n FROM flows');
    const [alt] = query<{ n: number }>(out, 'SELECT COUNT(*) AS n FROM altflows');
    assert.equal(flows!.n + alt!.n, analysed, 'every analysed flow is in the database');
    assert.ok(analysed < 700_000, 'it stopped before the end of the input');
    assert.match(readText(join(out, 'slips.log')), /Stopping early on request/);
  });
}
