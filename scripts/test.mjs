// `npm test`: the architecture check and the type check of src/, test/ and bench/ first (either
// failing fails the run), then every test/**/*.test.ts through Node's built-in runner (Node 20 has
// no --test globs). `npm test -- NAME...` runs only the test files whose path contains a NAME, without the checks.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = join(import.meta.dirname, '..');
const files = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.ts')) files.push(relative(root, p));
  }
};
walk(join(root, 'test'));
files.sort();
const filter = process.argv.slice(2);
if (!filter.length) {
  for (const [what, args] of [['architecture', [join(root, 'scripts', 'check-architecture.mjs')]],
    ['type check', [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.test.json')]]]) {
    const c = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
    if (c.status !== 0) { console.error(`npm test: the ${what} failed`); process.exit(1); }
  }
}
const chosen = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...chosen],
  { cwd: root, stdio: 'inherit', env: { ...process.env, TZ: process.env.TZ ?? 'UTC' } });
process.exit(r.status ?? 1);
