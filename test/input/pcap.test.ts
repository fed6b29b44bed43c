// Packet inputs through the whole pipeline: a pcap file, and live capture on loopback with tcpdump.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { PacketEngine, CaptureReader } from '../../src/capture/index.ts';
import { analyzerFactory } from '../../src/capture/analyzers-hook.ts';
import { connect } from 'node:net';
import { join } from 'node:path';
import { REPO, SLIPS_DATA, alertsLog, query, readText, runSlips, tempDir } from '../helpers/run.ts';

test('a pcap is analysed end to end and its Zeek-format logs are written to zeek_files/', () => {
  const r = runSlips(['-f', join(SLIPS_DATA, 'test7-malicious.pcap')]);
  assert.equal(r.code, 0, r.stderr);
  const conn = readText(join(r.out, 'zeek_files', 'conn.log'));
  assert.match(conn, /^#fields\tts\tuid\tid\.orig_h/m);
  const rows = conn.split('\n').filter((l) => l && !l.startsWith('#')).length;
  const [flows] = query<{ n: number }>(r.out, 'SELECT COUNT(*) AS n FROM flows');
  assert.equal(flows!.n, rows, 'every conn record of the capture is a flow');
  assert.ok(query<{ n: number }>(r.out, 'SELECT COUNT(*) AS n FROM profiles')[0]!.n > 3);
  assert.ok(alertsLog(r.out).length > 0);
});

const haveTcpdump = spawnSync('tcpdump', ['--version']).status === 0 && process.getuid?.() === 0;

test('live capture on loopback (-i lo) through tcpdump, stopped by SIGINT', { skip: !haveTcpdump && 'needs tcpdump and root' }, async (t) => {
  const out = tempDir();
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli', 'main.ts'), '-i', 'lo', '-o', out],
    { cwd: REPO, env: { ...process.env, TZ: 'UTC' } });
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stdout += d.toString(); });
  const deadline = Date.now() + 20_000;
  while (!stdout.includes('Capturing on lo') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.ok(stdout.includes('Capturing on lo'), stdout);
  await new Promise((r) => setTimeout(r, 500));
  // Connection attempts to closed loopback ports: refused (REJ) connections to unknown ports.
  for (const port of [9, 10, 11]) {
    await new Promise<void>((resolve) => { const s = connect(port, '127.0.0.1'); s.on('error', () => resolve()); s.on('connect', () => { s.destroy(); resolve(); }); });
  }
  await new Promise((r) => setTimeout(r, 1000));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, stdout);
  assert.ok(existsSync(join(out, 'zeek_files', 'conn.log')));
  const lines = alertsLog(out);
  for (const port of [9, 10, 11]) {
    assert.ok(lines.some((l) => l.includes(`Connection to unknown destination port ${port}/TCP destination IP 127.0.0.1.`)), lines.join('\n'));
  }
});

test('capture on an interface that does not exist fails with one clear line', { skip: !haveTcpdump && 'needs tcpdump and root' }, () => {
  const r = runSlips(['-i', 'nosuchif0']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^slips: cannot capture on nosuchif0: .*No such device/m);
});

test('slips zeek -r writes Zeek-format logs of a capture, application logs included', () => {
  const out = tempDir();
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli', 'main.ts'), 'zeek', '-r',
    join(SLIPS_DATA, 'test7-malicious.pcap'), '-o', out], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const log of ['conn.log', 'dns.log']) {
    const text = readText(join(out, 'zeek_files', log));
    assert.match(text, /^#fields\t/m, log);
    assert.ok(text.split('\n').filter((l) => l && !l.startsWith('#')).length > 0, `${log} has rows`);
  }
});

test('Slips pcaps: test8 shows an ARP scan, test12 an ICMP address scan, test7 gives > 290 profiles with analysis_direction all', () => {
  const t8 = runSlips(['-f', join(SLIPS_DATA, 'test8-malicious.pcap')]);
  assert.equal(t8.code, 0, t8.stderr);
  assert.ok(alertsLog(t8.out).some((l) => l.includes('performing an arp scan')));
  const t12 = runSlips(['-f', join(SLIPS_DATA, 'test12-icmp-portscan.pcap')]);
  assert.equal(t12.code, 0, t12.stderr);
  assert.ok(alertsLog(t12.out).some((l) => /performed ICMP address scan on \d+ hosts/.test(l)));
  const cfg = join(tempDir(), 'all.yaml');
  writeFileSync(cfg, 'parameters:\n  analysis_direction: all\n');
  const t7 = runSlips(['-c', cfg, '-f', join(SLIPS_DATA, 'test7-malicious.pcap')]);
  assert.equal(t7.code, 0, t7.stderr);
  assert.ok(query<{ n: number }>(t7.out, 'SELECT COUNT(*) AS n FROM profiles')[0]!.n > 290);
  // Only the once-per-file count of records without IP endpoints (DHCP offers to clients without an address).
  for (const r of [t8, t12, t7]) {
    const errors = readText(join(r.out, 'errors.log')).split('\n').filter(Boolean);
    assert.ok(errors.every((l) => / records? without IP endpoints not analysed/.test(l)), errors.join('\n'));
  }
});

test('random and truncated packets never throw out of the packet engine', () => {
  fc.assert(fc.property(
    fc.array(fc.record({ link: fc.constantFrom(1, 101, 113, 276, 0, 12, 228), data: fc.uint8Array({ maxLength: 200 }) }), { maxLength: 40 }),
    (packets) => {
      const records: string[] = [];
      const engine = new PacketEngine({ preset: 'slips' }, (log) => { records.push(log); }, analyzerFactory());
      let ts = 1000;
      for (const p of packets) engine.feedPacket(p.link, (ts += 0.01), Buffer.from(p.data));
      engine.flush();
      return records.every((l) => typeof l === 'string');
    }), { numRuns: 300 });
  // Every prefix of a real capture's packets, cut at random lengths.
  const engine = new PacketEngine({ preset: 'slips' }, () => {}, analyzerFactory());
  const reader = new CaptureReader((link, ts, data) => {
    for (const cut of [0, 14, 20, 34, 40, 54, Math.floor(data.length / 2)]) engine.feedPacket(link, ts, data.subarray(0, cut));
    engine.feedPacket(link, ts, data);
  });
  reader.push(readFileSync(join(SLIPS_DATA, 'test7-malicious.pcap')));
  reader.end();
  engine.flush();
});
