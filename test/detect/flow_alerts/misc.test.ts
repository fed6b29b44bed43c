// ssh, smtp, software, tunnel, notice and login detections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MiscLogChecks } from '../../../src/detect/flow_alerts/misc.ts';
import { conn, detectionContext } from '../../helpers/flows.ts';
import { descriptions, feed, login, notice, smtp, software, ssh, tunnel } from './records.ts';

const setup = () => { const ctx = detectionContext(); return { ctx, d: new MiscLogChecks(ctx) }; };

test('SSH_SUCCESSFUL: by Zeek when auth_success is true, by Slips above ssh_succesful_detection_threshold bytes', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [conn({ uid: 'S1', dport: 22, sbytes: 1000, dbytes: 1000 }), ssh({ uid: 'S1', auth_success: true }),
    conn({ uid: 'S2', dport: 22, sbytes: 3000, dbytes: 1291 }), ssh({ uid: 'S2', auth_success: false }),
    conn({ uid: 'S3', dport: 22, sbytes: 3000, dbytes: 1290 }), ssh({ uid: 'S3' }),
    ssh({ uid: 'S4', auth_success: true }), conn({ uid: 'S4', dport: 22, sbytes: 10, dbytes: 10, daddr: '5.5.5.5' })]);
  assert.deepEqual(descriptions(ctx), [
    'SSH successful to IP 8.8.8.8. From IP 192.168.1.5. Sent bytes: 2000. Detection model Zeek. Confidence 0.8',
    'SSH successful to IP 8.8.8.8. From IP 192.168.1.5. Sent bytes: 4291. Detection model Slips. Confidence 0.8',
    'SSH successful to IP 5.5.5.5. From IP 192.168.1.5. Sent bytes: 20. Detection model Zeek. Confidence 0.8']);
  assert.deepEqual([ctx.evidence[0]!.threat_level, ctx.evidence[0]!.confidence], ['info', 0.8]);
});

test('BAD_SMTP_LOGIN and SMTP_LOGIN_BRUTEFORCE (3 bad logins within 10 s)', () => {
  let { ctx, d } = setup();
  feed(ctx, [d], [0, 5, 9].map((t) => smtp({ starttime: 1000 + t, daddr: '80.75.42.226' })));
  assert.deepEqual(descriptions(ctx, 'BAD_SMTP_LOGIN'), Array(3).fill('doing bad SMTP login to 80.75.42.226 '));
  assert.deepEqual(descriptions(ctx, 'SMTP_LOGIN_BRUTEFORCE'), ['doing SMTP login bruteforce to 80.75.42.226. 3 logins in 10 seconds. ']);
  assert.ok(ctx.evidence.every((e) => e.threat_level === 'high' && e.confidence === 1));
  ({ ctx, d } = setup());
  feed(ctx, [d], [0, 6, 11].map((t) => smtp({ starttime: 1000 + t })));
  assert.deepEqual(descriptions(ctx, 'SMTP_LOGIN_BRUTEFORCE'), []);
  feed(ctx, [d], [smtp({ last_reply: '250 OK' })]);
  assert.equal(descriptions(ctx, 'BAD_SMTP_LOGIN').length, 3);
});

test('MULTIPLE_SSH_VERSIONS: a profile whose SSH client or server version changes', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [software({ uid: 'A' }), software({ uid: 'B' }), software({ uid: 'C', version_major: 9, version_minor: 1 }),
    software({ software: 'HTTP::BROWSER', version_major: 1 })]);
  assert.deepEqual(descriptions(ctx), ['SSH client version changing from 8_1 to 9_1']);
  assert.deepEqual([ctx.evidence[0]!.threat_level, ctx.evidence[0]!.confidence, ctx.evidence[0]!.uid], ['medium', 0.9, ['A', 'C']]);
});

test('GRE_TUNNEL and GRE_SCAN', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [tunnel({ daddr: '115.112.11.30' }), tunnel({ daddr: '115.112.11.30', action: 'Tunnel::EXPIRE' }), tunnel({ tunnel_type: 'Tunnel::IP' })]);
  assert.deepEqual(descriptions(ctx), ['GRE scan from 192.168.1.5 to 115.112.11.30 tunnel action: Tunnel::DISCOVER',
    'GRE tunnel from 192.168.1.5 to 115.112.11.30 tunnel action: Tunnel::EXPIRE']);
  assert.deepEqual(ctx.evidence.map((e) => e.evidence_type), ['GRE_SCAN', 'GRE_TUNNEL']);
});

test('Zeek scan notices mark the scanner (no UNKNOWN_PORT afterwards)', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [notice({ note: 'Scan::Port_Scan', msg: '192.168.1.5 scanned at least 15 unique ports of host 5.6.7.8 in 0m2s', dst: '5.6.7.8' }),
    notice({ note: 'Scan::Address_Scan', msg: '192.168.1.5 scanned at least 25 unique hosts on port 23/tcp in 1m14s', scanned_port: 23 })]);
  assert.deepEqual(descriptions(ctx), ['vertical port scan by Zeek engine. 192.168.1.5 scanned at least 15 unique ports of host 5.6.7.8 in 0m2s',
    'horizontal port scan by Zeek engine. 192.168.1.5 scanned at least 25 unique hosts on port 23/tcp in 1m14s']);
  assert.equal(ctx.evidence[0]!.victim!.value, '5.6.7.8');
  assert.ok(ctx.scanMarks.isScanner('192.168.1.5', 1));
});

test('LOGIN: telnet/rlogin/rsh logins, destination as attacker', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [login({ daddr: '10.0.0.5', user: 'root' }), login({ daddr: '10.0.0.5', proto: 'rlogin', success: true, user: '' }),
    login({ daddr: '10.0.0.5', proto: '', confused: true, user: '' })]);
  assert.deepEqual(descriptions(ctx), ['failed telnet login.  for user root destination IP: 10.0.0.5.',
    'successful rlogin login.  destination IP: 10.0.0.5.', 'confused login login.  destination IP: 10.0.0.5.']);
  assert.deepEqual([ctx.evidence[0]!.attacker.direction, ctx.evidence[0]!.profile, ctx.evidence[0]!.threat_level], ['DST', '192.168.1.5', 'info']);
});
