/**
 * Packet engine II benchmark: packets/s with every application analyzer on, against the engine
 * alone, on the synthetic worst case of bench.ts (run that once first to generate it) and on the
 * Slips sample captures. Prints numbers; never fails on timing.
 *
 * Run: node --import tsx bench/capture/bench-app.ts [connections=200000]
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createAnalyzerFactory } from '../../src/capture/analyzers/index.js';
import { analysePcap } from '../../src/capture/engine.js';

const connections = Number(process.argv[2] ?? 200_000);
const data = path.resolve(import.meta.dirname, '../../../shared/datasets/slips');
const files = [
  `/tmp/slips-capture-bench-${connections}.pcap`,
  path.join(data, 'test7-malicious.pcap'),
  path.join(data, 'test-cc/test-cc-capture-1.pcap'),
  path.join(data, 'test19-malicious-ssh/malicious-ssh-bruteforce.pcap'),
].filter((f) => existsSync(f));

for (const file of files) {
  for (const withApps of [false, true]) {
    const counts = new Map<string, number>();
    const t0 = performance.now();
    const res = await analysePcap(
      file,
      { preset: 'slips' },
      (log) => counts.set(log, (counts.get(log) ?? 0) + 1),
      () => {},
      withApps ? createAnalyzerFactory() : null,
    );
    const secs = (performance.now() - t0) / 1000;
    const logs = [...counts].map(([k, v]) => `${k}=${v}`).join(' ');
    console.log(
      `${path.basename(file)} ${withApps ? 'all analyzers' : 'engine only  '}: ${res.packets} packets in ${secs.toFixed(2)} s = ` +
        `${Math.round(res.packets / secs).toLocaleString('en-US')} packets/s (${logs})`,
    );
  }
}
console.log(`peak RSS ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB (at exit)`);
