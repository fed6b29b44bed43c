/**
 * Packet engine benchmark: generates a large synthetic pcap into /tmp (once), then measures
 * decoding + connection tracking throughput and peak RSS. Prints numbers; never fails on timing.
 *
 * Run: node --import tsx bench/capture/bench.ts [connections=200000]
 */
import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';
import { analysePcap } from '../../src/capture/engine.js';
import { CaptureReader } from '../../src/capture/pcap-reader.js';
import { createReadStream } from 'node:fs';
import { pcapHeader, pcapRecord, shortTcpConnection } from '../../test/capture/synth.js';

const connections = Number(process.argv[2] ?? 200_000);
const file = `/tmp/slips-capture-bench-${connections}.pcap`;

if (!existsSync(file)) {
  const t0 = performance.now();
  const fd = openSync(file, 'w');
  writeSync(fd, pcapHeader());
  let batch: Buffer[] = [];
  for (let i = 0; i < connections; i++) {
    // 1000 new connections per second of packet time, interleaved in pairs.
    for (const f of shortTcpConnection(i, 1_600_000_000 + i / 1000)) batch.push(pcapRecord(f));
    if (batch.length > 10_000) {
      writeSync(fd, Buffer.concat(batch));
      batch = [];
    }
  }
  writeSync(fd, Buffer.concat(batch));
  closeSync(fd);
  console.log(`generated ${file} (${(statSync(file).size / 1e6).toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

// Baseline: merely reading the capture's packets (pcap framing, no decoding).
{
  const t0 = performance.now();
  let packets = 0;
  const reader = new CaptureReader(() => { packets++; });
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) reader.push(chunk as Buffer);
  reader.end();
  const secs = (performance.now() - t0) / 1000;
  console.log(`read only: ${packets} packets in ${secs.toFixed(2)} s = ${Math.round(packets / secs).toLocaleString('en')} packets/s`);
}

for (const preset of ['zeek', 'slips'] as const) {
  let records = 0;
  const t0 = performance.now();
  const res = await analysePcap(file, { preset }, () => {
    records++;
  });
  const secs = (performance.now() - t0) / 1000;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  console.log(
    `${preset}: ${res.packets} packets, ${records} records in ${secs.toFixed(2)} s = ` +
      `${Math.round(res.packets / secs).toLocaleString('en-US')} packets/s, ` +
      `${((res.bytes * 8) / secs / 1e9).toFixed(2)} Gbit/s`,
  );
}
clearInterval(sampler);
console.log(`peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MiB`);
