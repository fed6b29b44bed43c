// The four conn detections of the core issue: texts, levels, confidences and exceptions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnChecks } from '../../../src/detect/flow_alerts/conn.ts';
import { conn, detectionContext, fc } from '../../helpers/flows.ts';

const run = (flows: ReturnType<typeof conn>[], states: string[] = [], edit?: Parameters<typeof detectionContext>[0]) => {
  const ctx = detectionContext(edit);
  const d = new ConnChecks(ctx);
  flows.forEach((f, i) => d.onFlow(f, fc(f.saddr, states[i] ?? 'Established')));
  return ctx;
};
const types = (ctx: ReturnType<typeof run>) => ctx.evidence.map((e) => e.evidence_type);

test('LONG_CONNECTION above long_connection_threshold (1500 s), confidence dur/86400, multicast excepted', () => {
  assert.deepEqual(types(run([conn({ dur: 1500 })])), []);
  const ctx = run([conn({ dur: 1800, daddr: '1.2.3.4', dport: 443 })]);
  const [ev] = ctx.evidence;
  assert.equal(ev!.evidence_type, 'LONG_CONNECTION');
  assert.equal(ev!.description, 'Long Connection. Connection from 192.168.1.5 to destination address: 1.2.3.4 took 30 mins');
  assert.equal(ev!.threat_level, 'low');
  assert.equal(ev!.confidence, 0.02);
  assert.equal(ev!.attacker.direction, 'SRC');
  assert.equal(ev!.victim!.value, '1.2.3.4');
  assert.equal(run([conn({ dur: 200000 })]).evidence[0]!.confidence, 1);
  assert.deepEqual(types(run([conn({ dur: 5000, daddr: '224.0.0.251' })])), []);
  assert.deepEqual(types(run([conn({ dur: 100 })], [], (r) => { r.flow_alerts.long_connection_threshold = 60; })), ['LONG_CONNECTION']);
});

test('UNKNOWN_PORT: high when established, medium otherwise; known services, ICMP and scanners excepted', () => {
  const est = run([conn({ dport: 6898 })]);
  assert.equal(est.evidence[0]!.description, 'Connection to unknown destination port 6898/TCP destination IP 8.8.8.8.');
  assert.equal(est.evidence[0]!.threat_level, 'high');
  assert.equal(est.evidence[0]!.confidence, 1);
  assert.equal(run([conn({ dport: 6898, state: 'S0' })], ['Not Established']).evidence[0]!.threat_level, 'medium');
  assert.deepEqual(types(run([conn({ dport: 443 }), conn({ dport: 53, proto: 'udp' }), conn({ dport: 8, proto: 'icmp' })])), []);
  const ctx = detectionContext();
  ctx.scanMarks.mark('192.168.1.5', 1);
  ctx.scanMarks.commit();
  new ConnChecks(ctx).onFlow(conn({ dport: 6898 }), fc('192.168.1.5'));
  assert.equal(ctx.evidence.length, 0);
});

test('UNKNOWN_PORT P2P exception: the 5th distinct peer on a UDP port above 30000 is P2P', () => {
  const flows = [1, 2, 3, 4, 5].map((i) => conn({ proto: 'udp', dport: 40000 + i, daddr: `5.5.5.${i}` }));
  assert.equal(run(flows).evidence.filter((e) => e.evidence_type === 'UNKNOWN_PORT').length, 4);
  const same = Array.from({ length: 8 }, () => conn({ proto: 'udp', dport: 40001, daddr: '5.5.5.5' }));
  assert.equal(run(same).evidence.length, 6, 'the 7th flow to a peer already seen 6 times is P2P');
  assert.equal(run([conn({ proto: 'udp', dport: 20000, daddr: '5.5.5.5' })]).evidence.length, 1);
});

test('PORT_0_CONNECTION: high, 0.8, source as attacker; ICMP and multicast excepted', () => {
  const ctx = run([conn({ dport: 0, sport: 1234 })]);
  const ev = ctx.evidence.find((e) => e.evidence_type === 'PORT_0_CONNECTION')!;
  assert.equal(ev.description, 'Connection on port 0 from 192.168.1.5:1234 to 8.8.8.8:0.');
  assert.equal(ev.threat_level, 'high');
  assert.equal(ev.confidence, 0.8);
  assert.equal(ev.attacker.value, '192.168.1.5');
  assert.ok(run([conn({ sport: 0, dport: 443 })]).evidence.some((e) => e.evidence_type === 'PORT_0_CONNECTION'));
  assert.deepEqual(types(run([conn({ proto: 'icmp', sport: 0, dport: 0 })])), []);
  assert.deepEqual(types(run([conn({ daddr: '239.1.1.1', dport: 0 })])).filter((t) => t === 'PORT_0_CONNECTION'), []);
});

test('CONNECTION_TO_PRIVATE_IP: info between private addresses, with DNS and DHCP exceptions', () => {
  const ev = run([conn({ daddr: '192.168.1.10', dport: 445 })]).evidence.find((e) => e.evidence_type === 'CONNECTION_TO_PRIVATE_IP')!;
  assert.equal(ev.description, 'Connecting to private IP: 192.168.1.10 on destination port: 445');
  assert.equal(ev.threat_level, 'info');
  assert.equal(ev.confidence, 1);
  const icmp = run([conn({ daddr: '10.0.0.1', proto: 'icmp', dport: 0 })]).evidence[0]!;
  assert.equal(icmp.description, 'Connecting to private IP: 10.0.0.1 protocol: ICMP');
  const none = (f: ReturnType<typeof conn>) => run([f]).evidence.filter((e) => e.evidence_type === 'CONNECTION_TO_PRIVATE_IP').length;
  assert.equal(none(conn({ daddr: '192.168.1.1', dport: 53, proto: 'udp' })), 0);
  assert.equal(none(conn({ daddr: 'fe80::1', saddr: 'fe80::2', dport: 547, proto: 'udp' })), 0);
  assert.equal(none(conn({ daddr: '8.8.8.8' })), 0);
  const ctx = detectionContext();
  ctx.network.setGatewayIp('192.168.1.1');
  new ConnChecks(ctx).onFlow(conn({ daddr: '192.168.1.1', dport: 67, proto: 'udp' }), fc('192.168.1.5'));
  assert.equal(ctx.evidence.filter((e) => e.evidence_type === 'CONNECTION_TO_PRIVATE_IP').length, 0);
});
