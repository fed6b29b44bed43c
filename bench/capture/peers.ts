/**
 * The packet engine beside installable peers, on the same captures in the same run: the file-read
 * rate, the engine on one core without and with every analyzer, `slips zeek -r` as a whole
 * process, and Debian's argus (`argus -r FILE -w OUT`), nfdump's nfpcapd (`nfpcapd -r FILE -l DIR`)
 * and tshark (`tshark -r FILE -q -z conv,tcp`). A peer that is not installed is skipped with a
 * line saying so. Each figure is the range over REPS runs (the machine is shared: read ranges,
 * not single numbers). docs/performance.md says what each peer produces.
 *
 * Run: node --import tsx bench/capture/peers.ts [connections=200000]   (REPS=3 by default)
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAnalyzerFactory } from '../../src/capture/analyzers/index.js';
import { analysePcap } from '../../src/capture/engine.js';
import { CaptureReader } from '../../src/capture/pcap-reader.js';
import { pcapHeader, pcapRecord } from '../../test/capture/synth.js';

const connections = Number(process.argv[2] ?? 200_000);
const reps = Math.max(1, Number(process.env['REPS'] ?? 3));
const root = path.resolve(import.meta.dirname, '../..');
const slipsData = path.resolve(root, '../shared/datasets/slips');
const synthetic = `/tmp/slips-capture-bench-${connections}.pcap`;

/** The real captures of the Slips dataset, each alone. */
function slipsCaptures(): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isFile() && e.name.endsWith('.pcap')) out.push(p);
      else if (e.isDirectory()) walk(p);
    }
  };
  walk(slipsData);
  return out.sort();
}

/** Every packet of the captures in one Ethernet pcap (captures of other link types are left out). */
async function concatenate(files: string[], target: string): Promise<void> {
  const parts: Buffer[] = [pcapHeader()];
  for (const f of files) {
    const reader = new CaptureReader((linkType, ts, data, origLen) => {
      if (linkType === 1) parts.push(pcapRecord({ ts, data: Buffer.from(data), origLen }));
    });
    reader.push(readFileSync(f));
    reader.end();
  }
  writeFileSync(target, Buffer.concat(parts));
}

async function countPackets(file: string): Promise<{ packets: number; secs: number }> {
  const t0 = performance.now();
  let packets = 0;
  const reader = new CaptureReader(() => {
    packets++;
  });
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) reader.push(chunk as Buffer);
  reader.end();
  return { packets, secs: (performance.now() - t0) / 1000 };
}

async function engineSecs(file: string, withAnalyzers: boolean): Promise<number> {
  const t0 = performance.now();
  await analysePcap(file, { preset: 'slips' }, () => {}, () => {}, withAnalyzers ? createAnalyzerFactory() : null);
  return (performance.now() - t0) / 1000;
}

/** Wall seconds of one process run, or null when the program is missing or fails. */
function processSecs(cmd: string, args: string[]): number | null {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const secs = (performance.now() - t0) / 1000;
  if (r.error || r.status !== 0) return null;
  return secs;
}

function installed(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

interface Peer {
  name: string;
  /** Debian package, for the "not installed" line */
  pkg: string;
  cmd: string;
  args(file: string, out: string): string[];
}

const slipsBin = path.join(root, 'bin', 'slips');
const PEERS: Peer[] = [
  { name: 'slips zeek -r (whole process)', pkg: '', cmd: slipsBin, args: (f, o) => ['zeek', '-r', f, '-o', o] },
  { name: 'argus -r -w', pkg: 'argus-server', cmd: 'argus', args: (f, o) => ['-r', f, '-w', path.join(o, 'out.argus')] },
  { name: 'nfpcapd -r -l', pkg: 'nfdump', cmd: 'nfpcapd', args: (f, o) => ['-r', f, '-l', o] },
  { name: 'tshark -z conv,tcp', pkg: 'tshark', cmd: 'tshark', args: (f) => ['-r', f, '-q', '-z', 'conv,tcp'] },
];

const rate = (packets: number, secs: number): number => packets / secs;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** "min–max packets/s" over the runs. */
function range(packets: number, secs: number[]): { text: string; best: number } {
  const rates = secs.map((s) => rate(packets, s)).sort((a, b) => a - b);
  const lo = rates[0]!;
  const hi = rates[rates.length - 1]!;
  return { text: lo === hi ? `${fmt(lo)} packets/s` : `${fmt(lo)}-${fmt(hi)} packets/s`, best: hi };
}

const scratch = mkdtempSync(path.join(tmpdir(), 'slips-peers-'));
try {
  const files: Array<[label: string, file: string]> = [];
  if (existsSync(synthetic)) files.push([`synthetic ${connections} connections`, synthetic]);
  else console.log(`(no ${synthetic}: run bench/capture/bench.ts first to generate it)`);
  const real = slipsCaptures();
  for (const f of real) files.push([path.relative(slipsData, f), f]);
  if (real.length > 1) {
    const all = path.join(scratch, 'slips-all.pcap');
    await concatenate(real, all);
    files.push([`all ${real.length} Slips captures concatenated`, all]);
  }
  for (const p of PEERS) {
    if (p.pkg && !installed(p.cmd)) console.log(`${p.name}: skipped, ${p.cmd} is not installed (apt-get install ${p.pkg})`);
  }
  if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) console.log('slips zeek -r: skipped, dist/ is not built (npm run build)');
  console.log(`runs per figure: ${reps}; one core unless said otherwise`);
  for (const [label, file] of files) {
    const { packets } = await countPackets(file);
    if (packets === 0) continue;
    const read: number[] = [];
    const bare: number[] = [];
    const full: number[] = [];
    for (let i = 0; i < reps; i++) {
      read.push((await countPackets(file)).secs);
      bare.push(await engineSecs(file, false));
      full.push(await engineSecs(file, true));
    }
    console.log(`${label}: ${fmt(packets)} packets`);
    console.log(`  file read (pcap framing only)         ${range(packets, read).text}`);
    const bareR = range(packets, bare);
    const fullR = range(packets, full);
    console.log(`  engine, no analyzers                  ${bareR.text}`);
    console.log(`  engine, every analyzer                ${fullR.text}`);
    console.log('  engine on all cores                   not available: the engine runs on one core (no worker split yet)');
    for (const p of PEERS) {
      if (p.pkg && !installed(p.cmd)) continue;
      if (!p.pkg && !existsSync(path.join(root, 'dist', 'cli', 'main.js'))) continue;
      const secs: number[] = [];
      for (let i = 0; i < reps; i++) {
        const out = mkdtempSync(path.join(scratch, 'out-'));
        const s = processSecs(p.cmd, p.args(file, out));
        rmSync(out, { recursive: true, force: true });
        if (s === null) break;
        secs.push(s);
      }
      if (secs.length === 0) {
        console.log(`  ${p.name.padEnd(37)} failed on this capture`);
        continue;
      }
      const r = range(packets, secs);
      const ratio = p.pkg ? `; engine/peer ${(bareR.best / r.best).toFixed(2)}x without analyzers, ${(fullR.best / r.best).toFixed(2)}x with` : '';
      console.log(`  ${p.name.padEnd(37)} ${r.text}${ratio}`);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
