// `npm run bench [-- --conn N]`: the Zeek-log benchmark (with the given options), the threat-
// intelligence and enrichment benchmark on the same data, then the packet engine and application-
// analyzer benchmarks, then memory under spoofed sources. Each prints its figures; none fails on timing.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const { values } = parseArgs({ args, options: { conn: { type: 'string', default: '1000000' }, hosts: { type: 'string' } }, strict: false });
const run = (script, scriptArgs = [], nodeFlags = []) => {
  const r = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', join(root, script), ...scriptArgs], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run('bench/run.ts', args);
run('bench/ti.ts', ['--input', join('bench', 'data', `zeek-${values.conn}`)], ['--expose-gc']);
run('bench/capture/bench.ts');
run('bench/capture/bench-app.ts');
// Memory under floods of spoofed sources (the DoS protection): 250,000 and 1,000,000 sources.
run('bench/spoofed-sources.ts');
