// `npm run bench [-- --conn N]`: the Zeek-log benchmark (with the given options), then the packet
// engine and application-analyzer benchmarks. Each prints its figures; none fails on timing.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const run = (script, args = []) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, script), ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run('bench/run.ts', process.argv.slice(2));
run('bench/capture/bench.ts');
run('bench/capture/bench-app.ts');
