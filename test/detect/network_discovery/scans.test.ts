// network_discovery: port-scan buckets and texts, ICMP sweeps from ICMP flows, DHCP scans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DhcpFlow } from '../../../src/flows/types.ts';
import { NetworkDiscovery } from '../../../src/detect/network_discovery/index.ts';
import { horizontalScanText } from '../../../src/detect/network_discovery/port-scans.ts';
import {
  icmpSweepConfidence, scanBucket, scanConfidence, scanConfidenceText, shouldReportScan,
} from '../../../src/detect/network_discovery/scan-math.ts';
import { icmpTypeOf } from '../../../src/detect/network_discovery/icmp-sweeps.ts';
import { conn, detectionContext, fc } from '../../helpers/flows.ts';

const notEst = 'Not Established';
const s0 = (over: Parameters<typeof conn>[0]) => conn({ state: 'S0', history: 'S', spkts: 1, dpkts: 0, sbytes: 0, dbytes: 0, ...over });

function discovery() {
  const ctx = detectionContext();
  return { ctx, d: new NetworkDiscovery(ctx) };
}

test('horizontal bucket edges of the original: 5 no, 9 no, 10 yes, then 15/99 no, 100 yes; 3 is below the minimum', () => {
  const cases: [number, number, boolean][] = [[0, 5, false], [0, 9, false], [0, 10, true], [1, 15, false], [1, 99, false], [1, 100, true], [0, 3, false]];
  for (const [prev, n, expected] of cases) assert.equal(shouldReportScan(prev, n), expected, `prev ${prev}, n ${n}`);
});

test('vertical bucket edges of the original, as previous reported amount -> new amount', () => {
  const cases: [number, number, boolean][] = [[0, 1, false], [1, 9, false], [1, 10, true], [10, 99, false], [10, 100, true], [100, 999, false], [100, 1000, true]];
  for (const [prevAmount, n, expected] of cases) assert.equal(shouldReportScan(Math.max(0, scanBucket(prevAmount)), n), expected, `${prevAmount} -> ${n}`);
  assert.equal(scanBucket(1000), 3);
  assert.equal(scanBucket(999), 2);
});

test('packet-count confidence: >10 is 1, 0 is 0.3, else pkts/10', () => {
  assert.equal(scanConfidence(100), 1);
  assert.equal(scanConfidenceText(100), '1');
  assert.equal(scanConfidence(0), 0.3);
  assert.equal(scanConfidence(5), 0.5);
  assert.equal(scanConfidenceText(10), '1.0');
});

test('empty service name leaves two spaces', () => {
  assert.ok(horizontalScanText('', 80, 'TCP', '1.2.3.4', 10, 10).startsWith('Horizontal port scan to port  80/TCP.'));
});

test('HORIZONTAL_PORT_SCAN: one evidence at 10, 100 destinations; exact text; marks the scanner', () => {
  const { ctx, d } = discovery();
  for (let i = 1; i <= 150; i++) d.onFlow(s0({ saddr: '192.168.2.12', daddr: `203.0.113.${i}`, dport: 81, starttime: 1000 + i }), fc('192.168.2.12', notEst));
  const evs = ctx.evidence.filter((e) => e.evidence_type === 'HORIZONTAL_PORT_SCAN');
  assert.equal(evs.length, 2);
  assert.equal(evs[0]!.description,
    'Horizontal port scan to port http-alt 81/tcp. From 192.168.2.12 to 10 unique destination IPs. Total packets sent: 10. Confidence: 1.0. by Slips');
  assert.ok(evs[1]!.description.includes('to 100 unique destination IPs. Total packets sent: 100. Confidence: 1. by Slips'));
  assert.equal(evs[0]!.threat_level, 'high');
  assert.equal(evs[0]!.confidence, 1);
  assert.equal(evs[0]!.timestamp, 1001);
  assert.equal(evs[0]!.dst_port, 81);
  assert.deepEqual(evs[0]!.uid, []);
  assert.equal(evs[0]!.victim, undefined);
  ctx.scanMarks.commit(); // as the pipeline does after each flow
  assert.ok(ctx.scanMarks.isScanner('192.168.2.12', 1));
  // No vertical scan: one port per destination.
  assert.equal(ctx.evidence.length, 2);
});

test('horizontal: established flows, flipped flows, repeated destinations and a broadcast profile do not count', () => {
  const { ctx, d } = discovery();
  for (let i = 1; i <= 12; i++) d.onFlow(conn({ daddr: `198.51.100.${i}`, dport: 80 }), fc('192.168.1.5', 'Established'));
  for (let i = 1; i <= 12; i++) d.onFlow(s0({ daddr: `198.51.100.${i}`, dport: 80, history: '^hS' }), fc('192.168.1.5', notEst));
  for (let i = 1; i <= 12; i++) d.onFlow(s0({ daddr: '198.51.100.1', dport: 80 }), fc('192.168.1.5', notEst));
  for (let i = 1; i <= 12; i++) d.onFlow(s0({ saddr: '255.255.255.255', daddr: `198.51.100.${i}`, dport: 80 }), fc('255.255.255.255', notEst));
  assert.deepEqual(ctx.evidence.map((e) => e.evidence_type), []);
});

test('VERTICAL_PORT_SCAN: exact text at 10 ports, again at 100, TCP and UDP apart', () => {
  const { ctx, d } = discovery();
  for (let p = 1; p <= 120; p++) {
    const f = conn({ saddr: '192.168.1.9', daddr: '45.33.32.156', dport: 1000 + p, state: 'REJ', history: 'Sr', spkts: 1, dpkts: 1, starttime: 500 + p });
    d.onFlow(f, fc('192.168.1.9', notEst));
  }
  for (let p = 1; p <= 10; p++) d.onFlow(s0({ saddr: '192.168.1.9', daddr: '45.33.32.156', proto: 'udp', dport: p, spkts: 0 }), fc('192.168.1.9', notEst));
  const evs = ctx.evidence.filter((e) => e.evidence_type === 'VERTICAL_PORT_SCAN');
  assert.equal(evs.length, 3);
  assert.equal(evs[0]!.description,
    'new vertical port scan to IP 45.33.32.156 from 192.168.1.9. Total 10 TCP ports were scanned. Total packets sent to all ports: 10. Confidence: 1.0. by Slips');
  assert.ok(evs[1]!.description.includes('Total 100 TCP ports were scanned. Total packets sent to all ports: 100. Confidence: 1. by Slips'));
  assert.equal(evs[2]!.description,
    'new vertical port scan to IP 45.33.32.156 from 192.168.1.9. Total 10 UDP ports were scanned. Total packets sent to all ports: 0. Confidence: 0.3. by Slips');
  assert.equal(evs[0]!.victim!.value, '45.33.32.156');
  assert.equal(evs[0]!.timestamp, 501);
  assert.equal(evs[0]!.proto, 'tcp');
});

test('vertical: multicast and reserved targets are not counted', () => {
  const { ctx, d } = discovery();
  for (let p = 1; p <= 20; p++) d.onFlow(s0({ daddr: '239.255.255.250', dport: p }), fc('192.168.1.5', notEst));
  for (let p = 1; p <= 20; p++) d.onFlow(s0({ daddr: '255.255.255.255', dport: p }), fc('192.168.1.5', notEst));
  assert.equal(ctx.evidence.length, 0);
});

test('scan state is per time window and released when the window closes', () => {
  const { ctx, d } = discovery();
  for (let i = 1; i <= 9; i++) d.onFlow(s0({ daddr: `203.0.113.${i}`, dport: 22 }), fc('192.168.1.5', notEst, 1));
  d.onFlow(s0({ daddr: '203.0.113.200', dport: 22 }), fc('192.168.1.5', notEst, 2));
  assert.equal(ctx.evidence.length, 0);
  assert.ok(d.portScans.budget.inUse > 0);
  ctx.closeWindow([d], '192.168.1.5', 1);
  ctx.closeWindow([d], '192.168.1.5', 2);
  assert.equal(d.portScans.budget.inUse, 0);
  assert.equal(d.portScans.openWindows, 0);
});

test('ICMP sweeps from ICMP flows: address scan at 5 and 10 hosts with the Zeek script text; timestamp and mask kinds', () => {
  const { ctx, d } = discovery();
  const icmp = (daddr: string, type: number) => conn({ proto: 'icmp', sport: type, dport: 0, daddr, saddr: '10.8.0.69', state: 'OTH', history: '' });
  for (let i = 1; i <= 12; i++) d.onFlow(icmp(`110.128.128.${i}`, 8), fc('10.8.0.69', 'Established'));
  for (let i = 1; i <= 5; i++) d.onFlow(icmp(`110.128.129.${i}`, 13), fc('10.8.0.69', 'Established'));
  for (let i = 1; i <= 5; i++) d.onFlow(icmp(`110.128.130.${i}`, 17), fc('10.8.0.69', 'Established'));
  for (let i = 1; i <= 20; i++) d.onFlow(icmp(`110.128.131.${i}`, 3), fc('10.8.0.69', 'Established'));
  assert.deepEqual(ctx.evidence.map((e) => [e.evidence_type, e.description]), [
    ['ICMP_ADDRESS_SCAN', '10.8.0.69 performed ICMP address scan on 5 hosts'],
    ['ICMP_ADDRESS_SCAN', '10.8.0.69 performed ICMP address scan on 10 hosts'],
    ['ICMP_TIMESTAMP_SCAN', '10.8.0.69 performed ICMP timestamp scan on 5 hosts'],
    ['ICMP_ADDRESS_MASK_SCAN', '10.8.0.69 performed ICMP address mask scan on 5 hosts'],
  ]);
  assert.equal(ctx.evidence[0]!.confidence, 0);
  assert.equal(ctx.evidence[1]!.confidence, 0.02);
  assert.equal(ctx.evidence[0]!.threat_level, 'medium');
  assert.equal(icmpSweepConfidence(255), 1);
  assert.equal(icmpSweepConfidence(1000), 1);
});

test('ICMP sweep reports double: a 10,000-host sweep gives 11 evidence, not 2,000', () => {
  const { ctx, d } = discovery();
  for (let i = 0; i < 10_000; i++) {
    d.onFlow(conn({ proto: 'icmp', sport: 8, dport: 0, daddr: `10.${(i >> 8) & 255}.${i & 255}.1`, saddr: '192.168.1.66' }), fc('192.168.1.66', 'ICMP Echo'));
  }
  assert.deepEqual(ctx.evidence.map((e) => e.description.split(' on ')[1]),
    ['5 hosts', '10 hosts', '20 hosts', '40 hosts', '80 hosts', '160 hosts', '320 hosts', '640 hosts', '1280 hosts', '2560 hosts', '5120 hosts']);
});

test('ICMP type: Zeek/Argus source port, nfdump type*256+code, Argus state', () => {
  assert.equal(icmpTypeOf(conn({ proto: 'icmp', sport: 13 })), 13);
  assert.equal(icmpTypeOf(conn({ proto: 'icmp', sport: 0, dport: 8 * 256, flow_source: 'nfdump' })), 8);
  assert.equal(icmpTypeOf(conn({ proto: 'icmp', sport: 0, flow_source: 'argus', state: 'ECO' })), 8);
});

const dhcp = (requested: string, ts = 1655297623.95): DhcpFlow => ({
  type_: 'dhcp', starttime: ts, uid: 'CNs2Ee4K9VuwjJ0Vil', saddr: '192.168.1.30', daddr: '192.168.1.1', interface: 'default',
  flow_source: 'zeek', ground_truth_label: '', detailed_ground_truth_label: '', uids: ['CNs2Ee4K9VuwjJ0Vil'],
  client_addr: '192.168.1.30', server_addr: '192.168.1.1', smac: '24:4b:fe:1c:48:a4', host_name: '', requested_addr: requested,
});

test('DHCP_SCAN: first request only stored, repeats ignored, evidence every 4 distinct addresses', () => {
  const { ctx, d } = discovery();
  const f = fc('192.168.1.30', '');
  d.onFlow(dhcp('192.168.1.105'), f);
  d.onFlow(dhcp('192.168.1.105'), f);
  d.onFlow(dhcp('192.168.1.106'), f);
  d.onFlow(dhcp('192.168.1.107'), f);
  assert.equal(ctx.evidence.length, 0);
  d.onFlow(dhcp('192.168.1.108'), f);
  assert.equal(ctx.evidence.length, 1);
  const ev = ctx.evidence[0]!;
  assert.equal(ev.evidence_type, 'DHCP_SCAN');
  assert.equal(ev.description, 'Performing a DHCP scan by requesting 4 different IP addresses. Confidence: 0.8. by Slips');
  assert.equal(ev.threat_level, 'medium');
  assert.equal(ev.confidence, 0.8);
  assert.equal(ev.attacker.value, '192.168.1.30');
  for (let i = 109; i <= 113; i++) d.onFlow(dhcp(`192.168.1.${i}`), f);
  assert.equal(ctx.evidence.length, 2);
  assert.ok(ctx.evidence[1]!.description.includes('requesting 8 different'));
  d.onFlow(dhcp(''), f);
  assert.equal(ctx.evidence.length, 2);
});
