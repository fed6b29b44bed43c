// `npm test` runs this first: the architecture rules a reader of src/ relies on.
//  - no import cycle between modules of src/ (runtime or type-only imports alike);
//  - no mutable state at module level (top-level `let`/`var`, or a Map/Set/WeakMap/WeakSet/array
//    that is not typed read-only): per-run state lives in objects a run creates, so that two
//    analyses in one process share nothing;
//  - no file over 600 lines.
// Prints every violation with its file and line and exits 1 when there is one.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = join(import.meta.dirname, '..');
const src = join(root, 'src');
const MAX_LINES = 600;

const files = [];
(function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p); else if (e.name.endsWith('.ts')) files.push(p);
  }
})(src);

const problems = [];
const rel = (p) => relative(root, p);
const graph = new Map();

const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[\s\S]*?\s+from\s+)?['"](\.[^'"]+)['"]/g;
const DYNAMIC = /import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
const MUTABLE = [
  [/^(let|var)\s+\w+/, 'module-level `let`/`var`'],
  [/^(export\s+)?const\s+\w+\s*=\s*new\s+(Map|Set|WeakMap|WeakSet|Array)\b/, 'module-level mutable collection (type it ReadonlyMap/ReadonlySet or move it into an object a run creates)'],
  [/^(export\s+)?const\s+\w+\s*:\s*(Map|Set|WeakMap|WeakSet)</, 'module-level mutable collection'],
  [/^(export\s+)?const\s+\w+\s*:\s*[\w<>]+\[\]\s*=\s*\[\s*\]/, 'module-level mutable array'],
];

for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const lines = text.split('\n');
  if (lines.length > MAX_LINES + 1) problems.push(`${rel(f)}: ${lines.length} lines (at most ${MAX_LINES})`);
  lines.forEach((line, i) => {
    for (const [re, what] of MUTABLE) if (re.test(line)) problems.push(`${rel(f)}:${i + 1}: ${what}: ${line.trim().slice(0, 100)}`);
  });
  const deps = new Set();
  for (const re of [IMPORT, DYNAMIC]) {
    for (const m of text.matchAll(re)) {
      let target = resolve(dirname(f), m[1]);
      target = target.replace(/\.js$/, '.ts');
      if (!target.endsWith('.ts')) target += '.ts';
      if (target.startsWith(src)) deps.add(target);
    }
  }
  graph.set(f, deps);
}

// Cycles: strongly connected components of more than one module (or a module importing itself).
let index = 0;
const idx = new Map(), low = new Map(), onStack = new Set(), stack = [];
function strong(v) {
  idx.set(v, index); low.set(v, index); index++;
  stack.push(v); onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!graph.has(w)) continue;
    if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v), low.get(w))); }
    else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do { w = stack.pop(); onStack.delete(w); comp.push(w); } while (w !== v);
    if (comp.length > 1 || (graph.get(v) ?? new Set()).has(v)) problems.push(`import cycle: ${comp.map(rel).sort().join(' <-> ')}`);
  }
}
for (const f of files) if (!idx.has(f)) strong(f);

if (problems.length) {
  for (const p of problems) console.error(`architecture: ${p}`);
  console.error(`architecture: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
  process.exit(1);
}
console.log(`architecture: ${files.length} modules of src/, no import cycle, no module-level mutable state, none over ${MAX_LINES} lines`);
