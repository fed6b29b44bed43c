// A scan flood (Slips' issues 950 and 1773): one scanner probing 60,000 ports of one host and one
// port on 10,000 hosts, as a Zeek JSON conn.log. Run as a script it analyses the file and prints
// evidence counts and memory figures: tsx bench/scan-flood.ts [--ports 60000] [--hosts 10000]
import { mkdirSync, writeFileSync, readFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';

export interface FloodSpec { ports: number; hosts: number; scanner?: string; target?: string; hostPort?: number }

/** Writes conn.log into `dir`; returns the number of records. Deterministic. */
export function writeScanFlood(dir: string, spec: FloodSpec): number {
  const scanner = spec.scanner ?? '192.168.1.66';
  const target = spec.target ?? '45.33.32.156';
  const hostPort = spec.hostPort ?? 445;
  mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  let ts = 1_700_000_000;
  const rec = (daddr: string, dport: number, state: string, history: string, resp: number): string => JSON.stringify({
    ts: (ts += 0.001), uid: `C${lines.length.toString(36)}`, 'id.orig_h': scanner, 'id.orig_p': 40000 + (lines.length % 20000),
    'id.resp_h': daddr, 'id.resp_p': dport, proto: 'tcp', duration: 0.0001, orig_bytes: 0, resp_bytes: 0,
    conn_state: state, history, orig_pkts: 1, orig_ip_bytes: 44, resp_pkts: resp, resp_ip_bytes: resp * 40,
  });
  for (let p = 1; p <= spec.ports; p++) lines.push(rec(target, p, 'REJ', 'Sr', 1));
  for (let h = 0; h < spec.hosts; h++) lines.push(rec(`45.${40 + (h >> 16)}.${(h >> 8) & 255}.${h & 255}`, hostPort, 'S0', 'S', 0));
  writeFileSync(join(dir, 'conn.log'), lines.join('\n') + '\n');
  return lines.length;
}

/** Evidence lines of alerts.log by evidence description prefix. */
export function countEvidence(alertsLog: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of alertsLog.split('\n')) {
    const m = / Detected (.*?) Threat level/.exec(line);
    if (!m) continue;
    const d = m[1]!;
    const kind = d.startsWith('new vertical port scan') ? 'VERTICAL_PORT_SCAN'
      : d.startsWith('Horizontal port scan') ? 'HORIZONTAL_PORT_SCAN'
        : d.startsWith('Connection to unknown destination port') ? 'UNKNOWN_PORT' : 'other';
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

async function analyse(input: string, out: string): Promise<void> {
  const { runAnalysis } = await import('../src/cli/run.ts');
  const { defaultRawConfig } = await import('../src/config/config.ts');
  const r = await runAnalysis({ input, outputDir: out, config: defaultRawConfig(), configPath: null, configText: null,
    command: 'bench/scan-flood.ts', quiet: true });
  const counts = countEvidence(readFileSync(join(out, 'alerts', 'alerts.log'), 'utf8'));
  const mb = (b: number): string => (b / 1048576).toFixed(1);
  console.log(`${r.flows} flows in ${r.seconds.toFixed(1)} s (${Math.round(r.flows / r.seconds)} flows/s); evidence ${r.evidence}, alerts ${r.alerts}`);
  console.log(`evidence by kind: ${JSON.stringify(counts)}`);
  console.log(`peak RSS of the analysis process ${mb(process.resourceUsage().maxRSS * 1024)} MB`);
  console.log(`output: ${out}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    ports: { type: 'string', default: '60000' }, hosts: { type: 'string', default: '10000' }, input: { type: 'string' }, out: { type: 'string' },
  } });
  if (values.input) { await analyse(values.input, values.out!); return; }
  const dir = mkdtempSync(join(tmpdir(), 'scan-flood-'));
  const records = writeScanFlood(join(dir, 'in'), { ports: Number(values.ports), hosts: Number(values.hosts) });
  console.log(`generated ${records} flows in ${join(dir, 'in', 'conn.log')}`);
  // The analysis runs in a fresh process so its peak memory is not the generator's.
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--input', join(dir, 'in', 'conn.log'),
    '--out', join(dir, 'out')], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
