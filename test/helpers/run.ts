// Helpers shared by integration tests: run the real CLI, locate datasets, read outputs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const DATASETS = resolve(REPO, '..', 'shared', 'datasets');
export const SLIPS_DATA = join(DATASETS, 'slips');

export interface CliResult { code: number | null; stdout: string; stderr: string; out: string }

export function tempDir(prefix = 'slips-test-'): string { return mkdtempSync(join(tmpdir(), prefix)); }

/** Runs `slips` (TypeScript sources through tsx) with the given arguments; -o is added when absent. */
export function runSlips(args: string[], opts: { out?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const out = opts.out ?? tempDir();
  const full = args.includes('-o') ? args : [...args, '-o', out];
  // A run that hangs is killed (and the test fails on its exit status) instead of outliving the test.
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli', 'main.ts'), ...full], {
    cwd: REPO, encoding: 'utf8', input: opts.input, env: { ...process.env, TZ: 'UTC', ...opts.env }, maxBuffer: 64 << 20,
    timeout: 10 * 60_000, killSignal: 'SIGKILL',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, out };
}

export const readText = (path: string): string => readFileSync(path, 'utf8');
export const alertsLog = (out: string): string[] => readText(join(out, 'alerts', 'alerts.log')).split('\n').filter(Boolean);
export const alertsJson = (out: string): Record<string, unknown>[] =>
  readText(join(out, 'alerts', 'alerts.json')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

export function query<T = Record<string, unknown>>(out: string, sql: string): T[] {
  const db = new Database(join(out, 'databases', 'flows.sqlite'), { readonly: true });
  try { return db.prepare(sql).all() as T[]; } finally { db.close(); }
}

/** Data records (non-header, non-empty lines) of a Zeek log. */
export function zeekRecordCount(path: string): number {
  return readText(path).split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).length;
}
