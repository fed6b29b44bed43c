// BEACONING: generated beacons fire with an explained score; random traffic, failed attempts and
// the benign hosts of the labelled capture test18 do not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BeaconDetector } from '../../../src/detect/beaconing/index.ts';
import { bowleySkew, medianAbsDeviation, scoreBeacon } from '../../../src/detect/beaconing/score.ts';
import type { Flow } from '../../../src/flows/types.ts';
import { conn, detectionContext, fc } from '../../helpers/flows.ts';
import { alertsLog, runSlips, SLIPS_DATA } from '../../helpers/run.ts';
import { mulberry32 as rng } from '../../../src/util/prng.ts';


function analyse(flows: { f: Flow; state?: string }[], edit?: Parameters<typeof detectionContext>[0]) {
  const ctx = detectionContext(edit);
  const d = new BeaconDetector(ctx);
  for (const { f, state } of flows) d.onFlow(f, fc(f.saddr, state ?? 'Established'));
  ctx.closeWindow([d], '192.168.1.5', 1);
  return ctx.evidence;
}

test('statistics: Bowley skew and MAD', () => {
  assert.equal(bowleySkew([1, 2, 3, 4, 5]), 0);
  assert.ok(bowleySkew([1, 1, 1, 2, 10]) > 0.9);
  assert.equal(medianAbsDeviation([1, 2, 3, 4, 100], 3), 1);
  assert.equal(scoreBeacon([1, 2, 3], [1, 1, 1], 10, 8), null);
});

test('a request every 2 s (test-cc style) is a beacon with the sub-scores in the text', () => {
  const r = rng(1);
  const flows = Array.from({ length: 60 }, (_, i) => ({ f: conn({ daddr: '93.184.216.34', dport: 80, starttime: 1000 + i * 2 + r() * 0.05, sbytes: 78, dbytes: 1200 + Math.round(r() * 50), uid: `CB${i}` }) }));
  const evs = analyse(flows);
  assert.equal(evs.length, 1);
  const ev = evs[0]!;
  assert.equal(ev.evidence_type, 'BEACONING');
  assert.equal(ev.threat_level, 'medium');
  assert.ok(ev.confidence >= 0.9, String(ev.confidence));
  assert.match(ev.description, /^Beaconing from 192\.168\.1\.5 to 93\.184\.216\.34 port 80\/tcp: 60 connections, a check-in every 2\.0 s \(median\) over 118 s\. Score: 0\.\d\d \(timing 0\.\d\d: interval skew 0\.\d\d, interval dispersion 0\.\d\d, continuity 1\.00; size regularity 1\.00; persistence 1\.00\)\. by Slips$/);
  assert.equal(ev.victim!.value, '93.184.216.34');
  assert.equal(ev.uid.length, 50);
  assert.equal(ev.method, 'Statistical');
});

test('a jittered 60 s beacon among other traffic over an hour fires; Poisson traffic to another host does not', () => {
  const r = rng(7);
  const flows: { f: Flow }[] = [];
  for (let i = 0; i < 60; i++) flows.push({ f: conn({ daddr: '45.33.32.9', dport: 443, starttime: 10 + i * 60 + (r() - 0.5) * 12, sbytes: 310 + Math.round(r() * 8) }) });
  let t = 0;
  while (t < 3600) {
    t += -Math.log(1 - r()) * 40;
    flows.push({ f: conn({ daddr: '151.101.1.69', dport: 443, starttime: t, sbytes: Math.round(200 + r() * 5000) }) });
  }
  flows.sort((a, b) => a.f.starttime - b.f.starttime);
  const evs = analyse(flows);
  assert.deepEqual(evs.map((e) => e.victim!.value), ['45.33.32.9']);
});

test('failed attempts are excluded by default (RITA issue 29); private and multicast destinations too', () => {
  const beacon = (over: Parameters<typeof conn>[0], n = 30) => Array.from({ length: n }, (_, i) => ({ f: conn({ starttime: 1000 + i * 10, ...over }), state: over?.state === 'S0' ? 'Not Established' : 'Established' }));
  assert.equal(analyse(beacon({ daddr: '45.33.32.9', state: 'S0', sbytes: 0, dbytes: 0 })).length, 0);
  assert.equal(analyse(beacon({ daddr: '45.33.32.9', state: 'S0', sbytes: 0, dbytes: 0 }), (raw) => { raw.beaconing.include_failed_connections = true; }).length, 1);
  assert.equal(analyse(beacon({ daddr: '192.168.1.1' })).length, 0);
  assert.equal(analyse(beacon({ daddr: '192.168.1.1' }), (raw) => { raw.beaconing.include_private_destinations = true; }).length, 1);
  assert.equal(analyse(beacon({ daddr: '239.255.255.250', proto: 'udp' })).length, 0);
  assert.equal(analyse(beacon({ daddr: '45.33.32.9' }, 7)).length, 0); // below min_connections (8)
  assert.equal(analyse(beacon({ daddr: '45.33.32.9' }, 30), (raw) => { raw.beaconing.score_threshold = 1.01; }).length, 0);
});

test('bursts separated by long pauses are not a beacon (continuity)', () => {
  const flows: { f: Flow }[] = [];
  for (const start of [0, 900, 1800, 2700]) for (let i = 0; i < 6; i++) flows.push({ f: conn({ daddr: '45.33.32.9', starttime: start + i }) });
  assert.equal(analyse(flows).length, 0);
});

test('a beacon spread over several IPs of one server name is reported once, for the name', () => {
  const ips = ['45.33.32.1', '45.33.32.2', '45.33.32.3'];
  const ctx = detectionContext();
  const d = new BeaconDetector(ctx);
  for (const ip of ips) {
    d.onFlow({ type_: 'ssl', starttime: 1, uid: 'S', saddr: '192.168.1.5', daddr: ip, interface: 'default', flow_source: 'zeek',
      ground_truth_label: '', detailed_ground_truth_label: '', sport: 1, dport: 443, proto: 'tcp', version: '', cipher: '', resumed: false,
      established: true, cert_chain_fuids: [], client_cert_chain_fuids: [], subject: '', issuer: '', server_name: 'cdn.example.com',
      validation_status: '', curve: '', ja3: '', ja3s: '', is_DoH: false, not_valid_before: null, not_valid_after: null }, fc('192.168.1.5', ''));
  }
  for (let i = 0; i < 45; i++) d.onFlow(conn({ daddr: ips[i % 3]!, starttime: 100 + i * 30 }), fc('192.168.1.5'));
  ctx.closeWindow([d], '192.168.1.5', 1);
  assert.equal(ctx.evidence.length, 1);
  assert.equal(ctx.evidence[0]!.victim!.ioc_type, 'DOMAIN');
  assert.equal(ctx.evidence[0]!.victim!.value, 'cdn.example.com');
  assert.ok(ctx.evidence[0]!.description.includes('to cdn.example.com (3 IPs: 45.33.32.1, 45.33.32.2, 45.33.32.3) port 443/tcp: 45 connections'));
});

test('state is bounded: a host touching 200,000 destinations stays within the point budget', () => {
  const ctx = detectionContext();
  const d = new BeaconDetector(ctx);
  for (let h = 0; h < 200_000; h++) d.onFlow(conn({ daddr: `45.${40 + (h >> 16)}.${(h >> 8) & 255}.${h & 255}` }), fc('192.168.1.5'));
  assert.ok(d.budget.inUse <= d.budget.limit);
  assert.ok(d.budget.refused > 0);
  ctx.closeWindow([d], '192.168.1.5', 1);
  assert.equal(d.budget.inUse, 0);
});

test('test18 (labelled CTU-SME-11): no beaconing evidence', () => {
  const r = runSlips(['-f', join(SLIPS_DATA, 'test18-malicious-ctu-sme-11-win', 'zeek-labeled')]);
  assert.equal(r.code, 0, r.stderr);
  const log = alertsLog(r.out);
  assert.ok(log.length > 0);
  assert.deepEqual(log.filter((l) => l.includes('Beaconing')), []);
});
