// network_discovery on real data and on a generated scan flood.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { alertsLog, runSlips, SLIPS_DATA, tempDir } from '../../helpers/run.ts';
import { countEvidence, writeScanFlood } from '../../../bench/scan-flood.ts';
import { readText } from '../../helpers/run.ts';

test('port-scans/horizontal gives the horizontal scan of 10.0.2.112 on 80/tcp', () => {
  const r = runSlips(['-f', join(SLIPS_DATA, 'port-scans', 'horizontal', 'conn.log')]);
  assert.equal(r.code, 0, r.stderr);
  const hits = alertsLog(r.out).filter((l) => l.includes('Horizontal port scan to port http 80/tcp. From 10.0.2.112'));
  assert.equal(hits.length, 1);
  assert.ok(hits[0]!.includes('to 10 unique destination IPs. Total packets sent: 10. Confidence: 1.0. by Slips Threat level: high.'));
});

test('port-scans/vertical gives the vertical scan of 45.33.32.156 by 192.168.1.9', () => {
  const r = runSlips(['-f', join(SLIPS_DATA, 'port-scans', 'vertical', 'conn.log')]);
  assert.equal(r.code, 0, r.stderr);
  const hits = alertsLog(r.out).filter((l) => l.includes('vertical port scan to IP 45.33.32.156 from 192.168.1.9.'));
  assert.equal(hits.length, 1);
});

test('test13 gives DHCP_SCAN at 4 and 8 addresses, and an alert with evidence_detection_threshold 0.01', () => {
  const dir = tempDir();
  const cfg = join(dir, 'slips.yaml');
  writeFileSync(cfg, 'detection:\n  evidence_detection_threshold: 0.01\n');
  const r = runSlips(['-c', cfg, '-f', join(SLIPS_DATA, 'test13-malicious-dhcpscan-zeek-dir')], { out: join(dir, 'out') });
  assert.equal(r.code, 0, r.stderr);
  const log = alertsLog(r.out);
  assert.equal(log.filter((l) => l.includes('Performing a DHCP scan by requesting 4 different IP addresses.')).length, 1);
  assert.equal(log.filter((l) => l.includes('Performing a DHCP scan by requesting 8 different IP addresses.')).length, 1);
  assert.ok(log.some((l) => l.includes('Src IP 192.168.1.30') && l.includes('Generated an alert given enough evidence')), log.join('\n'));
});

test('a scan of 60,000 ports and 10,000 hosts gives evidence in the tens', (t) => {
  const dir = tempDir();
  const records = writeScanFlood(join(dir, 'in'), { ports: 60_000, hosts: 10_000 });
  const r = runSlips(['-f', join(dir, 'in', 'conn.log')], { out: join(dir, 'out') });
  assert.equal(r.code, 0, r.stderr);
  const counts = countEvidence(readText(join(r.out, 'alerts', 'alerts.log')));
  t.diagnostic(`${records} flows -> evidence ${JSON.stringify(counts)}`);
  assert.equal(counts.VERTICAL_PORT_SCAN, 4); // 10, 100, 1000, 10000 ports
  assert.equal(counts.HORIZONTAL_PORT_SCAN, 4); // 10, 100, 1000, 10000 hosts
  // Only the probes before the scan was recognised (at its 10th port) are unknown-port evidence.
  assert.ok((counts.UNKNOWN_PORT ?? 0) <= 10, `UNKNOWN_PORT ${counts.UNKNOWN_PORT}`);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  assert.ok(total >= 8 && total < 100, `${total} evidence`);
});
