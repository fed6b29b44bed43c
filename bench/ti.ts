// Threat-intelligence benchmark: time and memory to load a 1,000,000-entry IP feed and a
// 500,000-entry domain feed, cost of the per-flow lookups, and whole-pipeline flows/s with and
// without those feeds. Usage:
//   node --import tsx bench/ti.ts [--ips 1000000] [--domains 500000] [--flows 1000000] [--input bench/data/zeek-1000000]
// The feeds are generated deterministically into bench/data/ti-feeds (ignored by git).
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { ThreatIntel } from '../src/ti/service.ts';
import { tiHandleFor } from '../src/ti/handle.ts';
import { ThreatIntelChecks } from '../src/detect/threat_intelligence/ti.ts';
import { FingerprintChecks } from '../src/detect/threat_intelligence/fingerprints.ts';
import { conn, detectionContext } from '../test/helpers/flows.ts';
import type { DnsFlow, Flow } from '../src/flows/types.ts';
import { formatIPv4 } from '../src/util/ip.ts';
import { mulberry32 as rng } from '../src/util/prng.ts';

const { values: args } = parseArgs({ options: {
  ips: { type: 'string', default: '1000000' }, domains: { type: 'string', default: '500000' },
  flows: { type: 'string', default: '1000000' }, input: { type: 'string', default: 'bench/data/zeek-1000000' },
  child: { type: 'string' }, feeds: { type: 'string' }, out: { type: 'string' },
} });

if (args.child) {
  // Child: one full analysis with the given feed folder, figures as JSON.
  const { runAnalysis } = await import('../src/cli/run.ts');
  const { defaultRawConfig } = await import('../src/config/config.ts');
  const config = defaultRawConfig();
  config.threatintelligence.local_threat_intelligence_files = args.feeds!;
  config.threatintelligence.download_path_for_remote_threat_intelligence = join(args.out!, 'cache');
  const t0 = performance.now();
  const res = await runAnalysis({ input: args.child, outputDir: args.out!, config, configPath: null, configText: null, command: 'bench', quiet: true });
  process.stdout.write(JSON.stringify({ ...res, wall: (performance.now() - t0) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + '\n');
  process.exit(0);
}


/** A random globally routable IPv4 address (first octet 1-223, skipping private and special blocks). */
function publicIp(r: () => number): string {
  for (;;) {
    const a = 1 + Math.floor(r() * 222);
    if (a === 10 || a === 127 || a === 100 || a === 169 || a === 172 || a === 192 || a === 198 || a === 203) continue;
    return formatIPv4(((a << 24) | Math.floor(r() * 0x1000000)) >>> 0);
  }
}
const LETTERS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const word = (r: () => number, n: number): string => Array.from({ length: n }, () => LETTERS[Math.floor(r() * 36)]).join('');
const TLDS = ['com', 'net', 'org', 'ru', 'xyz', 'info', 'top', 'cn'];

const nIps = Number(args.ips), nDomains = Number(args.domains), nFlows = Number(args.flows);
const feedDir = resolve('bench/data/ti-feeds');
const emptyDir = join(tmpdir(), 'slips-bench-empty-feeds');
mkdirSync(emptyDir, { recursive: true });
const r = rng(42);
const listedIps: string[] = [];
const listedDomains: string[] = [];
{
  mkdirSync(feedDir, { recursive: true });
  const ips: string[] = ['# generated IP feed: ip,threat_level,description'];
  for (let i = 0; i < nIps; i++) { const ip = publicIp(r); ips.push(`${ip},medium,bench feed`); if (i % 1000 === 0) listedIps.push(ip); }
  writeFileSync(join(feedDir, 'bench_ips.csv'), ips.join('\n') + '\n');
  const doms: string[] = [];
  for (let i = 0; i < nDomains; i++) { const d = `${word(r, 6 + (i % 8))}.${TLDS[i % TLDS.length]}`; doms.push(d); if (i % 1000 === 0) listedDomains.push(d); }
  writeFileSync(join(feedDir, 'bench_domains.txt'), doms.join('\n') + '\n');
}

// 1. Load time and memory.
global.gc?.();
const heap0 = process.memoryUsage().heapUsed;
const t0 = performance.now();
const ti = await ThreatIntel.load({ localDir: feedDir, feedLists: [], cacheDir: join(tmpdir(), 'slips-bench-cache'),
  download: false, updatePeriod: 86400, waitForDownloads: false });
const loadSeconds = (performance.now() - t0) / 1000;
global.gc?.();
const heapMB = (process.memoryUsage().heapUsed - heap0) / 1048576;
console.log(`loaded ${ti.store.summary()}`);
console.log(`load time: ${loadSeconds.toFixed(2)} s, heap: ${heapMB.toFixed(0)} MB${global.gc ? '' : ' (run with --expose-gc for an exact figure)'}`);

// 2. Per-flow cost of the two feed-reading detectors on synthetic flows (1 in 100 hits a listed IP).
const ctx = detectionContext();
const detectors = [new ThreatIntelChecks(ctx), new FingerprintChecks(ctx)];
const flows: Flow[] = [];
const peers = Array.from({ length: 50_000 }, () => publicIp(r));
for (let i = 0; i < nFlows; i++) {
  const daddr = i % 100 === 0 ? listedIps[i % listedIps.length]! : peers[i % peers.length]!;
  if (i % 10 === 9) {
    const q = i % 1000 === 9 ? listedDomains[i % listedDomains.length]! : `www.${word(r, 8)}.com`;
    const dns: DnsFlow = { type_: 'dns', starttime: 1000 + i / 1000, uid: `D${i}`, saddr: `192.168.${(i >> 8) & 255}.${i & 255}`,
      daddr: '192.168.0.1', interface: 'default', flow_source: 'zeek', ground_truth_label: '', detailed_ground_truth_label: '',
      sport: 5000, dport: 53, proto: 'udp', query: q, qclass_name: 'C_INTERNET', qtype_name: 'A', rcode_name: 'NOERROR',
      answers: [daddr], TTLs: [60] };
    flows.push(dns);
  } else flows.push(conn({ starttime: 1000 + i / 1000, uid: `C${i}`, saddr: `192.168.${(i >> 8) & 255}.${i & 255}`, daddr }));
}
const fc = { ip: '', tw: 1, twStart: 0, interpretedState: 'Established' };
const emptyTi = await ThreatIntel.load({ localDir: emptyDir, feedLists: [], cacheDir: join(tmpdir(), 'slips-bench-cache'),
  download: false, updatePeriod: 86400, waitForDownloads: false });
// Same loop with empty tables: the cost of walking a million flow objects that are not in the CPU
// cache (in the real pipeline the flow was parsed a moment before and is hot).
for (const [label, intel] of [['baseline, empty tables', emptyTi], ['cold', ti], ['warm', ti]] as const) {
  tiHandleFor(ctx.settings).intel = intel;
  ctx.evidence.length = 0;
  const t1 = performance.now();
  for (const f of flows) { fc.ip = f.saddr; for (const d of detectors) d.onFlow(f, fc); }
  const s = (performance.now() - t1) / 1000;
  console.log(`${label}: ${flows.length} flows in ${s.toFixed(2)} s = ${(flows.length / s / 1e6).toFixed(2)} M flows/s, ` +
    `${(s * 1e9 / flows.length).toFixed(0)} ns/flow (evidence: ${ctx.evidence.length})`);
}
tiHandleFor(ctx.settings).intel = ti;

// 3. Whole pipeline on a generated Zeek folder, without and with the feeds.
if (existsSync(args.input)) {
  for (const [label, dir] of [['no feeds', emptyDir], ['1M IPs + 500k domains', feedDir]] as const) {
    const out = join(tmpdir(), `slips-bench-ti-${label.replace(/\W+/g, '-')}`);
    rmSync(out, { recursive: true, force: true });
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'bench/ti.ts', '--child', args.input, '--feeds', dir, '--out', out],
      { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (res.status !== 0) { console.log(`${label}: failed\n${res.stderr}`); continue; }
    const j = JSON.parse(res.stdout.trim().split('\n').pop()!) as { flows: number; seconds: number; evidence: number; maxRssMB: number };
    console.log(`pipeline (${label}): ${j.flows} flows in ${j.seconds.toFixed(1)} s = ${Math.round(j.flows / j.seconds)} flows/s, ` +
      `evidence ${j.evidence}, max RSS ${j.maxRssMB.toFixed(0)} MB`);
  }
} else console.log(`(no ${args.input}: generate it with bench/generate-zeek.ts for the pipeline figures)`);
