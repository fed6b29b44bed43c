// Shared by the exporter tests: run slips without blocking the test's own servers, write configs.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { REPO, tempDir } from '../helpers/run.ts';

export const TEST18 = join(REPO, '..', 'shared', 'datasets', 'slips', 'test18-malicious-ctu-sme-11-win', 'zeek-labeled');
export const TEST13 = join(REPO, '..', 'shared', 'datasets', 'slips', 'test13-malicious-dhcpscan-zeek-dir');

export interface AsyncRun { code: number | null; stdout: string; stderr: string; out: string }
export interface LiveRun { done: Promise<AsyncRun>; stdout(): string; stderr(): string; out: string }

/**
 * Starts slips as a child process, leaving the event loop free for the receivers the test serves.
 * `track` gets the child so the test's t.after can kill it whatever happens.
 */
export function startSlips(args: string[], track: (c: ChildProcess) => void, env: NodeJS.ProcessEnv = {}): LiveRun {
  const out = args.includes('-o') ? args[args.indexOf('-o') + 1]! : tempDir();
  const full = args.includes('-o') ? args : [...args, '-o', out];
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli', 'main.ts'), ...full],
    { cwd: REPO, env: { ...process.env, TZ: 'UTC', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let stdout = '', stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const done = new Promise<AsyncRun>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, out })));
  return { done, stdout: () => stdout, stderr: () => stderr, out };
}

export const runSlipsAsync = (args: string[], track: (c: ChildProcess) => void, env: NodeJS.ProcessEnv = {}): Promise<AsyncRun> =>
  startSlips(args, track, env).done;

/** A config file with an exporting_alerts section (YAML from the given key/values). */
export function exportConfig(values: Record<string, unknown>, extra = ''): string {
  const dir = tempDir('slips-export-conf-');
  const lines = Object.entries(values).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  const path = join(dir, 'slips.yaml');
  writeFileSync(path, `exporting_alerts:\n${lines.join('\n')}\n${extra}`);
  return path;
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Polls `check` every 50 ms until it returns true or `seconds` pass; returns the last answer. */
export async function waitFor(check: () => boolean, seconds: number): Promise<boolean> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

export const fileText = (p: string): string => (existsSync(p) ? readFileSync(p, 'utf8') : '');

/** Evidence rows the run stored (its own record of what was detected). */
export { query } from '../helpers/run.ts';
