// Threat-intelligence and enrichment benchmark:
//  1. time and heap to load a 1,000,000-entry IP feed, a 500,000-entry domain feed (plus 100,000
//     URLs, 1,000 ASNs and 10,000 JA3 hashes);
//  2. per-flow cost of the detectors that read feeds and databases (threat_intelligence, the
//     fingerprint checks of flow_alerts, ip_info, and the engine's record of server names) on the hot path: each flow is built just before
//     the detectors see it, as the parser hands it over in the pipeline; a mix of conn, dns, http
//     and ssl records; the cost is the difference to the same loop without the detectors;
//  3. cost of single lookups (feed tables, ASN, country, MAC vendor, user agent, the enrichment of
//     one piece of evidence);
//  4. whole-pipeline flows/s on a generated Zeek folder with and without the feeds.
// Usage: node --expose-gc --import tsx bench/ti.ts [--ips 1000000] [--domains 500000] [--flows 2000000] [--input bench/data/zeek-1000000]
// The feeds are generated deterministically into bench/data/ti-feeds (ignored by git).
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { ThreatIntel } from '../src/ti/service.ts';
import { ThreatIntelChecks } from '../src/detect/threat_intelligence/ti.ts';
import { FingerprintChecks } from '../src/detect/threat_intelligence/fingerprints.ts';
import { IpInfo } from '../src/detect/threat_intelligence/ip-info.ts';
import { detectionContext } from '../test/helpers/flows.ts';
import type { Flow } from '../src/flows/types.ts';
import type { Detector, FlowContext } from '../src/detect/detector.ts';
import type { Evidence } from '../src/evidence/types.ts';
import { formatIPv4 } from '../src/util/ip.ts';
import { mulberry32 as rng } from '../src/util/prng.ts';
import { EntityEnricher } from '../src/enrich/enricher.ts';
import { ANALYSIS_NODE_FLAGS } from './node-flags.ts';


const { values: args } = parseArgs({ options: {
  ips: { type: 'string', default: '1000000' }, domains: { type: 'string', default: '500000' },
  flows: { type: 'string', default: '2000000' }, input: { type: 'string', default: 'bench/data/zeek-1000000' },
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
const hex = (r: () => number, n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
const TLDS = ['com', 'net', 'org', 'ru', 'xyz', 'info', 'top', 'cn'];
const fmt = (n: number): string => Math.round(n).toLocaleString('en');

const nIps = Number(args.ips), nDomains = Number(args.domains), nFlows = Number(args.flows);
const feedDir = resolve('bench/data/ti-feeds');
const emptyDir = join(tmpdir(), 'slips-bench-empty-feeds');
mkdirSync(emptyDir, { recursive: true });
const r = rng(42);
const listedIps: string[] = [];
const listedDomains: string[] = [];
const listedJa3: string[] = [];
{
  rmSync(feedDir, { recursive: true, force: true });
  mkdirSync(feedDir, { recursive: true });
  const ips: string[] = ['# generated IP feed: ip,threat_level,description'];
  for (let i = 0; i < nIps; i++) { const ip = publicIp(r); ips.push(`${ip},medium,bench feed`); if (i % 1000 === 0) listedIps.push(ip); }
  writeFileSync(join(feedDir, 'bench_ips.csv'), ips.join('\n') + '\n');
  const doms: string[] = [];
  for (let i = 0; i < nDomains; i++) { const d = `${word(r, 6 + (i % 8))}.${TLDS[i % TLDS.length]}`; doms.push(d); if (i % 1000 === 0) listedDomains.push(d); }
  writeFileSync(join(feedDir, 'bench_domains.txt'), doms.join('\n') + '\n');
  const urls: string[] = [];
  for (let i = 0; i < 100_000; i++) urls.push(`http://${word(r, 8)}.com/${word(r, 10)}.php`);
  writeFileSync(join(feedDir, 'bench_urls.txt'), urls.join('\n') + '\n');
  // Every 97th AS number: about 1 % of destinations fall in a listed AS, so the ASN check runs on every unlisted one.
  writeFileSync(join(feedDir, 'bench_asns.txt'), Array.from({ length: 1000 }, (_, i) => `AS${(i + 1) * 97}`).join('\n') + '\n');
  const ja3: string[] = [];
  for (let i = 0; i < 10_000; i++) { const h = hex(r, 32); ja3.push(`${h},high,bench ja3`); if (i % 100 === 0) listedJa3.push(h); }
  writeFileSync(join(feedDir, 'bench_ja3.csv'), ja3.join('\n') + '\n');
}

// 1. Load time and memory.
global.gc?.();
const heap0 = process.memoryUsage().heapUsed;
const t0 = performance.now();
const loadOpts = { feedLists: [], cacheDir: join(tmpdir(), 'slips-bench-cache'), download: false, updatePeriod: 86400, waitForDownloads: false };
const ti = await ThreatIntel.load({ localDir: feedDir, ...loadOpts });
const loadSeconds = (performance.now() - t0) / 1000;
global.gc?.();
const heapMB = (process.memoryUsage().heapUsed - heap0) / 1048576;
console.log(`TI loaded: ${ti.store.summary()}`);
console.log(`TI load time: ${loadSeconds.toFixed(2)} s, heap +${heapMB.toFixed(0)} MB${global.gc ? '' : ' (run with --expose-gc for an exact figure)'}`);
const emptyTi = await ThreatIntel.load({ localDir: emptyDir, ...loadOpts });

// 2. Per-flow cost on the hot path.
const peers = Array.from({ length: 100_000 }, () => publicIp(r));
const hosts = Array.from({ length: 2000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.${1 + (i % 250)}`);
const names = Array.from({ length: 50_000 }, (_, i) => (i % 3 === 0 ? `www.${word(r, 8)}.com` : `cdn${i % 7}.${word(r, 7)}.${TLDS[i % TLDS.length]}`));
const agents = Array.from({ length: 200 }, (_, i) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${100 + i}.0.0.0 Safari/537.36`);
const ja3s = Array.from({ length: 500 }, () => hex(r, 32));
const uids = Array.from({ length: 4096 }, (_, i) => `CbEnch${i}`);

/**
 * Which peer / name flow i uses. Uniform: every one of the 100,000 peers and 50,000 names in turn,
 * the worst case, where nearly every table probe misses the CPU caches. Zipf (s = 1): a few peers
 * and names take most flows, as in real traffic.
 */
function zipfPicks(n: number, size: number, seed: number): Uint32Array {
  const cdf = new Float64Array(size);
  let sum = 0;
  for (let k = 0; k < size; k++) { sum += 1 / (k + 1); cdf[k] = sum; }
  const z = rng(seed), out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const u = z() * sum;
    let lo = 0, hi = size - 1;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (cdf[mid]! < u) lo = mid + 1; else hi = mid; }
    out[i] = lo;
  }
  return out;
}
const uniformPicks = (n: number, size: number, step: number): Uint32Array => Uint32Array.from({ length: n }, (_, i) => (i * step) % size);
let peerPick = uniformPicks(nFlows, peers.length, 7919), namePick = uniformPicks(nFlows, names.length, 31);

/** Flow i of the mix: 70 % conn, 15 % dns, 10 % http, 5 % ssl; 1 % of IPs, domains and JA3s are listed. */
function makeFlow(i: number): Flow {
  const saddr = hosts[i % hosts.length]!;
  const hit = i % 100 === 0;
  const daddr = hit ? listedIps[(i / 100) % listedIps.length | 0]! : peers[peerPick[i]!]!;
  const name = hit ? listedDomains[(i / 100) % listedDomains.length | 0]! : names[namePick[i]!]!;
  const k = i % 20;
  // Plain literals, as a record parser builds them (no spread: V8 handles those much more slowly).
  const starttime = 1000 + i / 1000, uid = uids[i & 4095]!;
  if (k < 14) {
    return { type_: 'conn', starttime, uid, saddr, daddr, interface: 'default', flow_source: 'zeek',
      ground_truth_label: '', detailed_ground_truth_label: '', sport: 40000 + (i & 8191), dport: 443, proto: 'tcp', appproto: 'ssl', dur: 1.5,
      sbytes: 900, dbytes: 5000, spkts: 8, dpkts: 9, state: 'SF', history: 'ShADadFf', smac: '', dmac: '', endtime: 1001.5 + i / 1000,
      pkts: 17, bytes: 5900, state_hist: 'ShADadFf', dir_: '->' };
  }
  if (k < 17) {
    return { type_: 'dns', starttime, uid, saddr, daddr: '10.0.0.1', interface: 'default', flow_source: 'zeek',
      ground_truth_label: '', detailed_ground_truth_label: '', sport: 50000, dport: 53, proto: 'udp', query: name, qclass_name: 'C_INTERNET',
      qtype_name: 'A', rcode_name: 'NOERROR', answers: [daddr, peers[peerPick[(i * 13) % nFlows]!]!], TTLs: [60, 60] };
  }
  if (k < 19) {
    return { type_: 'http', starttime, uid, saddr, daddr, interface: 'default', flow_source: 'zeek',
      ground_truth_label: '', detailed_ground_truth_label: '', sport: 50001, dport: 80, method: 'GET', host: name, uri: `/index${i & 63}.html`,
      version: '1.1', user_agent: agents[i % agents.length]!, request_body_len: 0, response_body_len: 1000, status_code: '200',
      status_msg: 'OK', resp_mime_types: ['text/html'], resp_fuids: [] };
  }
  return { type_: 'ssl', starttime, uid, saddr, daddr, interface: 'default', flow_source: 'zeek',
      ground_truth_label: '', detailed_ground_truth_label: '', sport: 50002, dport: 443, proto: 'tcp', version: 'TLSv13', cipher: 'TLS_AES_128_GCM_SHA256',
    resumed: false, established: true, cert_chain_fuids: [], client_cert_chain_fuids: [], subject: `CN=${name}`, issuer: 'CN=CA',
    server_name: name, validation_status: 'ok', curve: 'x25519', ja3: hit ? listedJa3[(i / 100) % listedJa3.length | 0]! : ja3s[i % ja3s.length]!,
    ja3s: ja3s[(i * 3) % ja3s.length]!, is_DoH: false, not_valid_before: null, not_valid_after: null };
}

// One context with the feeds and one with empty tables (the feeds are a service fixed when a run starts).
const withTables = (intel: ThreatIntel): { ctx: ReturnType<typeof detectionContext>; detectors: Detector[] } => {
  const c = detectionContext(() => {}, { ti: intel });
  for (const h of hosts) c.store.ensureProfile(h, 1000);
  return { ctx: c, detectors: [new ThreatIntelChecks(c), new FingerprintChecks(c), new IpInfo(c)] };
};
const loaded = withTables(ti), empty = withTables(emptyTi);
const ctx = loaded.ctx;
const reference = ctx.reference;
let current = loaded;
const fc: FlowContext = { ip: '', tw: 1, twStart: 0, interpretedState: 'Established' };
let sink = 0;
function pass(withDetectors: boolean): number {
  const t = performance.now();
  for (let i = 0; i < nFlows; i++) {
    const f = makeFlow(i);
    fc.ip = f.saddr;
    if (withDetectors) {
      // The engine records server names and PTR answers (ctx.facts) before the detectors run.
      if (f.type_ === 'ssl' || f.type_ === 'dns') current.ctx.facts.observe(f);
      for (const d of current.detectors) d.onFlow(f, fc);
    }
    else sink += f.uid.length;
  }
  return (performance.now() - t) * 1e6 / nFlows;
}
const best = (fn: () => number): number => Math.min(fn(), fn(), fn());
console.log(`per flow on the hot path (threat_intelligence + fingerprint checks + ip_info + traffic facts; 70 % conn, 15 % dns, 10 % http, 5 % ssl; ` +
  `1 % listed; best of 3 passes over ${fmt(nFlows)} flows, minus the cost of building the flow objects):`);
for (const dist of ['uniform', 'zipf'] as const) {
  if (dist === 'zipf') { peerPick = zipfPicks(nFlows, peers.length, 7); namePick = zipfPicks(nFlows, names.length, 8); }
  current = empty;
  const bare = best(() => pass(false));
  const withEmpty = best(() => pass(true)) - bare;
  current = loaded;
  ctx.evidence.length = 0;
  const withFeeds = best(() => pass(true)) - bare;
  const label = dist === 'uniform' ? 'uniform over 100,000 peers and 50,000 names (worst case)' : 'Zipf-distributed peers and names (s = 1)';
  console.log(`  ${label}: ${withFeeds.toFixed(0)} ns/flow with the feeds loaded, ${withEmpty.toFixed(0)} ns/flow with empty tables`);
}

// 3. Single lookups, each over a pool of distinct keys so the caches and tables see realistic misses.
function perCall(n: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < 1000; i++) fn(i);
  const t = performance.now();
  for (let i = 0; i < n; i++) if (fn(i)) sink++;
  return (performance.now() - t) * 1e6 / n;
}
const store = ti.store;
const macs = Array.from({ length: 2000 }, (_, i) => `${['00:1a:2b', '3c:d9:2b', 'f4:5c:89', '08:00:27'][i % 4]}:${hex(r, 2)}:${hex(r, 2)}:${hex(r, 2)}`);
const enricher = new EntityEnricher(ctx.dns, ctx.facts, ti, reference, ctx.addresses);
const lookups: [string, number][] = [
  ['feed IP, not listed (text)', perCall(1e6, (i) => store.lookupIp(peers[i % peers.length]!))],
  ['feed IP, listed (text)', perCall(1e6, (i) => store.lookupIp(listedIps[i % listedIps.length]!))],
  ['feed domain, not listed (walks 2-3 parents)', perCall(1e6, (i) => store.lookupDomain(names[i % names.length]!))],
  ['feed domain, listed', perCall(1e6, (i) => store.lookupDomain(listedDomains[i % listedDomains.length]!))],
  ['ASN (IPv4 text)', perCall(1e6, (i) => reference.asn(peers[i % peers.length]!))],
  ['country (IPv4 text)', perCall(1e6, (i) => reference.country(peers[i % peers.length]!))],
  ['MAC vendor', perCall(1e6, (i) => reference.macs.vendor(macs[i % macs.length]!))],
  ['user agent (seen before)', perCall(1e6, (i) => reference.userAgents.parse(agents[i % agents.length]!))],
  ['enrich one evidence (attacker + victim IP)', perCall(200_000, (i) => {
    const ev = { attacker: { direction: 'SRC', ioc_type: 'IP', value: hosts[i % hosts.length]! },
      victim: { direction: 'DST', ioc_type: 'IP', value: peers[i % peers.length]! } } as unknown as Evidence;
    enricher.enrich(ev);
    return ev.victim;
  })],
];
console.log('single lookups:');
for (const [label, ns] of lookups) console.log(`  ${label}: ${ns.toFixed(0)} ns`);
if (sink < 0) console.log(sink);

// 4. Whole pipeline on a generated Zeek folder, without and with the feeds.
if (existsSync(args.input)) {
  for (const [label, dir] of [['no feeds', emptyDir], ['1M IPs + 500k domains', feedDir]] as const) {
    const out = join(tmpdir(), `slips-bench-ti-${label.replace(/\W+/g, '-')}`);
    rmSync(out, { recursive: true, force: true });
    const res = spawnSync(process.execPath, [...ANALYSIS_NODE_FLAGS, '--import', 'tsx', import.meta.filename, '--child', args.input, '--feeds', dir, '--out', out],
      { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (res.status !== 0) { console.log(`pipeline (${label}): failed\n${res.stderr}`); continue; }
    const j = JSON.parse(res.stdout.trim().split('\n').pop()!) as { flows: number; seconds: number; evidence: number; maxRssMB: number };
    console.log(`pipeline (${label}): ${fmt(j.flows)} flows in ${j.seconds.toFixed(1)} s = ${fmt(j.flows / j.seconds)} flows/s, ` +
      `evidence ${fmt(j.evidence)}, peak RSS ${fmt(j.maxRssMB)} MB`);
    rmSync(out, { recursive: true, force: true });
  }
} else console.log(`(no ${args.input}: generate it with bench/generate-zeek.ts for the pipeline figures)`);
