// arp: ARP_SCAN, ARP_OUTSIDE_LOCALNET, UNSOLICITED_ARP, MITM_ARP_ATTACK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ArpFlow } from '../../../src/flows/types.ts';
import { ArpDetector } from '../../../src/detect/arp/index.ts';
import { detectionContext, fc } from '../../helpers/flows.ts';
import { alertsLog, runSlips, SLIPS_DATA } from '../../helpers/run.ts';

const arp = (over: Partial<ArpFlow>): ArpFlow => ({
  type_: 'arp', starttime: 1000, uid: '', saddr: '192.168.1.1', daddr: '192.168.1.2', interface: 'default', flow_source: 'zeek',
  ground_truth_label: '', detailed_ground_truth_label: '', operation: 'request', smac: 'aa:bb:cc:00:00:01', dmac: 'ff:ff:ff:ff:ff:ff',
  src_hw: 'aa:bb:cc:00:00:01', dst_hw: '00:00:00:00:00:00', ...over,
});

function run(flows: ArpFlow[]) {
  const ctx = detectionContext();
  const d = new ArpDetector(ctx);
  for (const f of flows) {
    ctx.network.associate(f.smac, f.saddr); // as the engine does before detectors run
    d.onFlow(f, fc(f.saddr, ''));
  }
  return { ctx, d };
}

test('ARP_SCAN: 5 addresses within 30 s; not for slower requests; later scans merged for 10 s', () => {
  const scan = (start: number, step: number, n: number, base = 10) =>
    Array.from({ length: n }, (_, i) => arp({ saddr: '192.168.1.50', daddr: `192.168.1.${base + i}`, starttime: start + i * step, uid: `A${start}-${i}` }));
  const { ctx } = run(scan(1000, 1, 5));
  assert.equal(ctx.evidence.length, 1);
  const ev = ctx.evidence[0]!;
  assert.equal(ev.evidence_type, 'ARP_SCAN');
  assert.equal(ev.description, 'performing an arp scan. Confidence 0.8.');
  assert.equal(ev.threat_level, 'low');
  assert.equal(ev.confidence, 0.8);
  assert.equal(ev.uid.length, 5);
  assert.equal(run(scan(1000, 10, 6)).ctx.evidence.length, 0);
  // A long fast scan: the first is reported at once, the rest merged per 10 s of traffic time.
  const long = run(scan(1000, 0.1, 300, 0).map((f, i) => ({ ...f, daddr: `10.0.${i >> 8}.${i & 255}` })));
  long.d.onEnd();
  assert.ok(long.ctx.evidence.length >= 2 && long.ctx.evidence.length <= 5, `${long.ctx.evidence.length} evidence`);
  assert.equal(long.ctx.evidence.reduce((a, e) => a + e.uid.length, 0), 300);
});

test('ARP_SCAN: replies, the gateway and probes from 0.0.0.0 are not scans', () => {
  const reqs = (saddr: string, over: Partial<ArpFlow> = {}) => Array.from({ length: 6 }, (_, i) => arp({ saddr, daddr: `192.168.1.${10 + i}`, starttime: 1000 + i, ...over }));
  assert.equal(run(reqs('0.0.0.0')).ctx.evidence.filter((e) => e.evidence_type === 'ARP_SCAN').length, 0);
  assert.equal(run(reqs('192.168.1.50', { dst_hw: 'ff:ff:ff:ff:ff:ff', operation: 'reply', dmac: 'aa:aa:aa:aa:aa:aa' })).ctx.evidence.length, 0);
  const ctx = detectionContext();
  ctx.network.setGatewayIp('192.168.1.1');
  const d = new ArpDetector(ctx);
  for (const f of reqs('192.168.1.1')) d.onFlow(f, fc(f.saddr, ''));
  assert.equal(ctx.evidence.length, 0);
});

test('ARP_OUTSIDE_LOCALNET: public target yes; in-network, multicast, link-local, 0.0.0.0 probes no', () => {
  const one = (saddr: string, daddr: string) => run([arp({ saddr, daddr, dst_hw: 'ff:ff:ff:ff:ff:ee' })]).ctx.evidence;
  const [ev] = one('192.168.1.1', '1.1.1.1');
  assert.equal(ev!.evidence_type, 'ARP_OUTSIDE_LOCALNET');
  assert.equal(ev!.description, '192.168.1.1 sending ARP packet to a destination address outside of local network: 1.1.1.1. ');
  assert.equal(ev!.confidence, 0.6);
  assert.equal(ev!.victim!.value, '1.1.1.1');
  for (const d of ['192.168.1.7', '10.1.1.1', '224.0.0.1', '169.254.1.1', '0.0.0.0']) assert.equal(one('192.168.1.1', d).length, 0, d);
  assert.equal(one('0.0.0.0', '1.1.1.1').length, 0);
});

test('UNSOLICITED_ARP only with dmac = dst_hw = broadcast and non-zero source MACs', () => {
  const reply = (over: Partial<ArpFlow>) => arp({ operation: 'reply', dmac: 'ff:ff:ff:ff:ff:ff', dst_hw: 'ff:ff:ff:ff:ff:ff', ...over });
  const evs = run([reply({})]).ctx.evidence;
  assert.deepEqual(evs.map((e) => [e.evidence_type, e.description]), [['UNSOLICITED_ARP', 'broadcasting unsolicited ARP']]);
  assert.equal(run([reply({ dmac: 'aa:aa:aa:aa:aa:aa' })]).ctx.evidence.filter((e) => e.evidence_type === 'UNSOLICITED_ARP').length, 0);
  assert.equal(run([reply({ src_hw: '00:00:00:00:00:00' })]).ctx.evidence.filter((e) => e.evidence_type === 'UNSOLICITED_ARP').length, 0);
});

test('MITM_ARP_ATTACK: a gratuitous reply for a MAC first seen with another IP', () => {
  const ctx = detectionContext();
  ctx.network.setGatewayIp('192.168.1.1');
  const d = new ArpDetector(ctx);
  const f = arp({ operation: 'reply', saddr: '192.168.1.1', smac: 'de:ad:be:ef:00:01', src_hw: 'de:ad:be:ef:00:01', dmac: 'aa:aa:aa:aa:aa:aa', dst_hw: 'ff:ff:ff:ff:ff:ff' });
  ctx.network.associate('de:ad:be:ef:00:01', '192.168.1.66');
  ctx.network.associate(f.smac, f.saddr);
  d.onFlow(f, fc(f.saddr, ''));
  const ev = ctx.evidence.find((e) => e.evidence_type === 'MITM_ARP_ATTACK')!;
  assert.equal(ev.description,
    'The gateway 192.168.1.1 performing a MITM ARP attack. The MAC de:ad:be:ef:00:01, now belonging to The gateway 192.168.1.1, was seen before for IP 192.168.1.66.');
  assert.equal(ev.threat_level, 'critical');
  assert.equal(ev.confidence, 0.2);
  assert.equal(ev.victim!.value, '192.168.1.66');
});

for (const dir of ['test16-malicious-zeek-dir', 'test9-mixed-zeek-dir']) {
  test(`integration: ${dir} gives the two ARP strings`, () => {
    const r = runSlips(['-f', join(SLIPS_DATA, dir)]);
    assert.equal(r.code, 0, r.stderr);
    const log = alertsLog(r.out).join('\n');
    assert.ok(log.includes('192.168.1.15 sending ARP packet to a destination address outside of local network: 69.220.152.0.'), log);
    assert.ok(log.includes('broadcasting unsolicited ARP'), log);
  });
}
