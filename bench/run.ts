// Benchmark: flows/s and peak memory of a full analysis of large generated Zeek logs, next to the
// rate of merely reading and splitting the same files. Prints figures; never fails on timing.
// Usage: npm run bench [-- --conn 1000000]
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { generate } from './generate-zeek.ts';
import { LineSource } from '../src/input/lines.ts';
import { ZeekLineParser, zeekLogKind } from '../src/input/zeek.ts';
import { ANALYSIS_NODE_FLAGS } from './node-flags.ts';

const { values } = parseArgs({ options: { conn: { type: 'string', default: '1000000' }, hosts: { type: 'string', default: '2000' } } });
const conn = Number(values.conn);
const dataDir = resolve(import.meta.dirname, 'data', `zeek-${conn}`);
if (!existsSync(join(dataDir, 'conn.log'))) {
  const t = performance.now();
  const g = generate({ conn, hosts: Number(values.hosts), out: dataDir });
  console.log(`generated ${g.records} records in ${((performance.now() - t) / 1000).toFixed(1)} s -> ${dataDir}`);
}

async function readOnly(): Promise<{ records: number; seconds: number }> {
  const t = performance.now();
  let records = 0;
  for (const name of readdirSync(dataDir)) {
    const kind = zeekLogKind(name);
    if (!kind) continue;
    const src = new LineSource(join(dataDir, name));
    const parser = new ZeekLineParser(kind);
    for (;;) {
      const l = src.next();
      if (l === null) break;
      if (l === undefined) { if (!(await src.fill())) break; continue; }
      if (parser.parse(l).kind === 'record') records++;
    }
  }
  return { records, seconds: (performance.now() - t) / 1000 };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en');
const read = await readOnly();
console.log(`read+split+parse only: ${fmt(read.records)} records in ${read.seconds.toFixed(2)} s = ${fmt(read.records / read.seconds)} records/s`);

function analyse(mode: 'core' | 'all'): void {
  const out = join(tmpdir(), `slips-bench-${process.pid}-${mode}`);
  const child = spawnSync(process.execPath, [...ANALYSIS_NODE_FLAGS, '--import', 'tsx', resolve(import.meta.dirname, 'analyse.ts'), dataDir, out, mode],
    { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (child.status !== 0) { console.error(child.stderr); process.exit(1); }
  const res = JSON.parse(child.stdout.trim().split('\n').pop()!) as { flows: number; seconds: number; maxRssMB: number; evidence: number; alerts: number; profiles: number };
  const label = mode === 'core' ? 'core pipeline (detection modules off):' : 'full analysis (every detection):    ';
  console.log(`${label} ${fmt(res.flows)} flows in ${res.seconds.toFixed(2)} s = ${fmt(res.flows / res.seconds)} flows/s, ` +
    `peak RSS ${fmt(res.maxRssMB)} MB (${fmt(res.profiles)} profiles, ${fmt(res.evidence)} evidence, ${fmt(res.alerts)} alerts)`);
  rmSync(out, { recursive: true, force: true });
}

analyse('core');
analyse('all');
