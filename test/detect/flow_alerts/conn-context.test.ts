// Conn checks that need context: reconnections, local network, DNS, ports, uploads, MAC history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnContextChecks } from '../../../src/detect/flow_alerts/conn-context.ts';
import { ConnChecks } from '../../../src/detect/flow_alerts/conn.ts';
import { conn, detectionContext } from '../../helpers/flows.ts';
import { descriptions, dns, feed } from './records.ts';

const setup = (edit?: Parameters<typeof detectionContext>[0]) => {
  const ctx = detectionContext(edit);
  return { ctx, d: new ConnContextChecks(ctx) };
};

test('MULTIPLE_RECONNECTION_ATTEMPTS: every 5 REJ to the same port, never for established flows', () => {
  const rej = (i: number) => conn({ uid: `R${i}`, daddr: '123.22.123.22', dport: 8080, state: 'REJ', starttime: 1000 + i });
  let { ctx, d } = setup();
  feed(ctx, [d], [1, 2, 3, 4].map(rej));
  assert.equal(ctx.evidence.length, 0);
  ({ ctx, d } = setup());
  feed(ctx, [d], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(rej));
  assert.deepEqual(descriptions(ctx, 'MULTIPLE_RECONNECTION_ATTEMPTS'), [
    'Multiple reconnection attempts from IP: 192.168.1.5 to destination IP: 123.22.123.22 reconnections: 5.',
    'Multiple reconnection attempts from IP: 192.168.1.5 to destination IP: 123.22.123.22 reconnections: 5.']);
  const [ev] = ctx.evidence;
  assert.equal(ev!.threat_level, 'medium');
  assert.equal(ev!.confidence, 0.5);
  assert.deepEqual(ev!.uid, ['R1', 'R2', 'R3', 'R4', 'R5']);
  ({ ctx, d } = setup());
  feed(ctx, [d], [1, 2, 3, 4, 5, 6].map((i) => conn({ uid: `E${i}`, dport: 8080, state: 'SF' })));
  assert.equal(ctx.evidence.length, 0);
});

test('MULTIPLE_RECONNECTION_ATTEMPTS (telnet): 4 unestablished attempts to 23 or 2323', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [23, 2323, 23, 23].map((p, i) => conn({ uid: `T${i}`, daddr: '5.6.7.8', dport: p, state: 'S0' })));
  assert.deepEqual(descriptions(ctx), ['Multiple Telnet reconnection attempts from IP: 192.168.1.5 to Destination IP: 5.6.7.8  reconnections: 4']);
});

test('DIFFERENT_LOCALNET: private addresses outside the local network, high for the destination, low for the source', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [conn({ saddr: '192.168.1.5', daddr: '10.0.0.7', dport: 445, proto: 'tcp' })]);
  assert.equal(ctx.evidence.length, 1);
  const [ev] = ctx.evidence;
  assert.equal(ev!.description, 'A connection to a private IP (10.0.0.7) on port 445/tcp outside of the used local network 192.168.0.0/16. From IP: 192.168.1.5 on destination port: 445/TCP');
  assert.equal(ev!.threat_level, 'high');
  assert.equal(ev!.attacker.direction, 'DST');
  assert.equal(ev!.profile, '10.0.0.7');
  feed(ctx, [d], [conn({ saddr: '10.1.1.1', daddr: '192.168.1.9', dport: 80 })]);
  assert.equal(ctx.evidence[1]!.description, 'A connection from a private IP (10.1.1.1) on port 80/tcp outside of the used local network 192.168.0.0/16. To IP: 192.168.1.9 ');
  assert.equal(ctx.evidence[1]!.threat_level, 'low');
  // DNS to 53/udp, multicast and in-network peers are not reported.
  feed(ctx, [d], [conn({ daddr: '10.0.0.1', dport: 53, proto: 'udp' }), conn({ daddr: '224.0.0.251' }), conn({ daddr: '192.168.7.7' })]);
  assert.equal(ctx.evidence.length, 2);
});

test('CONNECTION_WITHOUT_DNS: public destinations never resolved, decided after the grace period, with its exceptions', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [
    dns({ starttime: 990, query: 'example.com', answers: ['93.184.216.34'] }),
    conn({ uid: 'A', starttime: 1000, daddr: '93.184.216.34' }), // resolved
    conn({ uid: 'B', starttime: 1001, daddr: '45.33.32.156' }), // not resolved
    conn({ uid: 'C', starttime: 1002, daddr: '192.168.1.20' }), // private
    conn({ uid: 'D', starttime: 1003, daddr: '142.250.1.1' }), // Google
    conn({ uid: 'E', starttime: 1004, daddr: '198.51.100.9', dport: 53, proto: 'udp' }), // DNS itself
    conn({ uid: 'F', starttime: 1005, daddr: '45.33.32.156', dport: 22 }), // same destination again in the window
  ]);
  assert.deepEqual(descriptions(ctx, 'CONNECTION_WITHOUT_DNS'), [], 'nothing before the grace period passes');
  feed(ctx, [d], [conn({ uid: 'Z', starttime: 1100, saddr: '192.168.1.9', daddr: '192.168.1.1', dport: 80 })]);
  assert.deepEqual(descriptions(ctx, 'CONNECTION_WITHOUT_DNS'), ['A connection without DNS resolution to Destination IP: 45.33.32.156']);
  const nodns = ctx.evidence.find((e) => e.evidence_type === 'CONNECTION_WITHOUT_DNS')!;
  assert.equal(nodns.threat_level, 'info');
  assert.equal(nodns.confidence, 0.8);
  // A DNS answer logged just after the connection still counts.
  const late = setup();
  feed(late.ctx, [late.d], [dns({ starttime: 900, query: 'x.org', answers: ['5.5.5.5'] }), conn({ starttime: 1000, daddr: '7.7.7.7' }),
    dns({ starttime: 1005, query: 'y.org', answers: ['7.7.7.7'] })], { end: true });
  assert.equal(late.ctx.evidence.length, 0);
  // Input without any DNS record (a lone conn.log): nothing is reported.
  const lone = setup();
  feed(lone.ctx, [lone.d], [conn({ daddr: '45.33.32.156' }), conn({ starttime: 5000, daddr: '45.33.32.157' })], { end: true });
  assert.equal(lone.ctx.evidence.length, 0);
});

test('CONNECTION_TO_MULTIPLE_PORTS: established TCP to unknown services, reported when a destination gains ports', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [conn({ uid: 'P1', dport: 1337 }), conn({ uid: 'P2', dport: 1337 }), conn({ uid: 'P3', dport: 337 }),
    conn({ uid: 'P4', dport: 443 }), conn({ uid: 'P5', dport: 4444, state: 'S0' }), conn({ uid: 'P6', dport: 7777 })]);
  assert.deepEqual(descriptions(ctx, 'CONNECTION_TO_MULTIPLE_PORTS'), [
    "Connection to multiple ports ['1337', '337'] from 192.168.1.5 to 8.8.8.8. ",
    "Connection to multiple ports ['1337', '337', '7777'] from 192.168.1.5 to 8.8.8.8. "]);
  assert.equal(ctx.evidence[0]!.threat_level, 'info');
  assert.equal(ctx.evidence[0]!.confidence, 0.5);
});

test('DATA_UPLOAD: 100 MB in one flow, data_exfiltration_threshold MB per window, twins; special destinations ignored', () => {
  let { ctx, d } = setup();
  feed(ctx, [d], [conn({ sbytes: 104857601, daddr: '5.6.7.8' }), conn({ sbytes: 10_000_000, daddr: '5.6.7.9' })]);
  assert.deepEqual(descriptions(ctx), ['Large data upload. 104.857601 MBs sent to 5.6.7.8', 'Large data upload. 104.857601 MBs sent to 5.6.7.8']);
  assert.deepEqual(ctx.evidence.map((e) => [e.attacker.direction, e.threat_level, e.confidence, e.profile]),
    [['SRC', 'info', 0.6, '192.168.1.5'], ['DST', 'high', 0.6, '5.6.7.8']]);
  ({ ctx, d } = setup());
  ctx.network.setGatewayIp('192.168.1.1');
  feed(ctx, [d], ['192.168.1.1', '224.0.0.1', '169.254.3.3', '240.0.0.0'].map((daddr) => conn({ sbytes: 200_000_000, daddr })));
  ctx.closeWindow([d], '192.168.1.5', 1);
  assert.deepEqual(descriptions(ctx, 'DATA_UPLOAD'), []);
  ({ ctx, d } = setup((r) => { r.flow_alerts.data_exfiltration_threshold = 50; }));
  feed(ctx, [d], [1, 2, 3].map((i) => conn({ uid: `U${i}`, starttime: 1000 + i, sbytes: 20_000_000, daddr: '5.6.7.8' })));
  assert.equal(ctx.evidence.length, 0);
  ctx.closeWindow([d], '192.168.1.5', 1);
  assert.deepEqual(descriptions(ctx), ['Large data upload. 60.0 MBs sent to 5.6.7.8', 'Large data upload. 60.0 MBs sent to 5.6.7.8']);
  assert.equal(ctx.evidence[0]!.timestamp, 1003);
});

test('DEVICE_CHANGING_IP: a MAC first seen with another private IPv4', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [conn({ saddr: '192.168.1.5', smac: 'aa:bb:cc:00:00:01' }), conn({ saddr: '192.168.1.5', smac: 'aa:bb:cc:00:00:01' }),
    conn({ saddr: '192.168.1.77', smac: 'aa:bb:cc:00:00:01' }), conn({ saddr: '192.168.1.77', smac: 'aa:bb:cc:00:00:01' })]);
  assert.deepEqual(descriptions(ctx), ['A device changing IPs. IP 192.168.1.77 was found with MAC address aa:bb:cc:00:00:01 but the MAC belongs originally to IP: 192.168.1.5. ']);
  assert.equal(ctx.evidence[0]!.threat_level, 'medium');
  assert.equal(ctx.evidence[0]!.confidence, 0.8);
});

test('UNKNOWN_PORT: organisation ports are known when the peer belongs to the organisation', () => {
  const ctx = detectionContext();
  const d = new ConnChecks(ctx);
  feed(ctx, [d], [conn({ daddr: '17.57.144.10', dport: 5223 - 0, proto: 'tcp' })]); // Apple push, Apple's 17/8
  feed(ctx, [d], [conn({ daddr: '142.250.1.188', dport: 5228 })]); // Google FCM
  assert.equal(ctx.evidence.length, 0);
  feed(ctx, [d], [conn({ daddr: '45.33.32.156', dport: 5228 })]);
  assert.deepEqual(descriptions(ctx), ['Connection to unknown destination port 5228/TCP destination IP 45.33.32.156.']);
});
