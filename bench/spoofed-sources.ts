// Memory under a flood of spoofed sources: N distinct source addresses, one SYN each to one victim
// (the traffic of a spoofed SYN flood), analysed by the full pipeline. Prints peak RSS and the
// cost per profile. Usage: spoofed-sources.ts [--sources 250000,1000000] [--cap N] [--heap MB]
// (--heap caps the V8 old space: a run that completes under it shows the live set is bounded).
import { mkdirSync, rmSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { once } from 'node:events';
import { ANALYSIS_NODE_FLAGS } from './node-flags.ts';

// --cap N sets parameters.max_profiles_per_timewindow (0 = no limit; default: the shipped default).
const { values } = parseArgs({ options: { sources: { type: 'string', default: '250000,1000000' }, cap: { type: 'string' },
  heap: { type: 'string' } } });
const root = join(import.meta.dirname, '..');
const dataDir = join(root, 'bench', 'data');

const HEADER = ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]'].join('\n') + '\n';

async function generate(n: number): Promise<string> {
  const dir = join(dataDir, `spoofed-${n}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const out = createWriteStream(join(dir, 'conn.log'));
  out.write(HEADER);
  // Distinct public sources from 11.0.0.0 upwards, 100 SYNs a second to one victim.
  const t0 = 1_700_000_000;
  for (let i = 0; i < n; i++) {
    const a = 0x0b000000 + i * 7 + 1;
    const src = `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
    const line = `${(t0 + i / 100).toFixed(6)}\tC${i.toString(36)}\t${src}\t${1024 + (i % 60000)}\t198.51.100.7\t80\ttcp\t-\t-\t-\t-\tS0\tF\tF\t0\tS\t1\t40\t0\t0\t(empty)\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return dir;
}

for (const n of values.sources.split(',').map(Number)) {
  const input = await generate(n);
  const outDir = join(dataDir, `spoofed-${n}-out`);
  rmSync(outDir, { recursive: true, force: true });
  const args = [...ANALYSIS_NODE_FLAGS, ...(values.heap ? [`--max-old-space-size=${values.heap}`] : []), '--import', 'tsx', join(root, 'bench', 'analyse.ts'), input, outDir, 'all'];
  if (values.cap) args.push(`parameters.max_profiles_per_timewindow=${values.cap}`);
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) { process.stderr.write(r.stderr); process.exit(1); }
  const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as { flows: number; profiles: number; seconds: number; maxRssMB: number };
  console.log(`${n.toLocaleString('en')} spoofed sources${values.cap ? ` (max_profiles_per_timewindow ${values.cap})` : ''}${values.heap ? ` (heap ${values.heap} MB)` : ''}: ` +
    `${res.profiles.toLocaleString('en')} profiles, peak RSS ${res.maxRssMB.toFixed(0)} MB ` +
    `(${((res.maxRssMB * 1024 * 1024) / n).toFixed(0)} bytes per source), ${(res.flows / res.seconds).toFixed(0)} flows/s`);
  rmSync(input, { recursive: true, force: true });
}
