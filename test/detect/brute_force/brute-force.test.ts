// brute_force_detector: SSH password guessing from ssh.log, conn.log and Zeek notices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NoticeFlow, SoftwareFlow, SshFlow } from '../../../src/flows/types.ts';
import { BruteForceDetector, bruteForceBucket, bruteForceConfidence } from '../../../src/detect/brute_force/index.ts';
import { conn, detectionContext, fc } from '../../helpers/flows.ts';

const base = { interface: 'default', flow_source: 'zeek' as const, ground_truth_label: '', detailed_ground_truth_label: '' };
const ssh = (i: number, over: Partial<SshFlow> = {}): SshFlow => ({
  ...base, type_: 'ssh', starttime: 1000 + i, uid: `CS${i}`, saddr: '147.32.80.40', daddr: '147.32.80.37', sport: 40000 + i, dport: 22,
  version: '2', auth_success: null, auth_attempts: 1, client: '', server: 'SSH-2.0-OpenSSH_8.9', cipher_alg: '', mac_alg: '',
  compression_alg: '', kex_alg: '', host_key_alg: '', host_key: '', ...over,
});
const software = (name: string, version: string): SoftwareFlow => ({
  ...base, type_: 'software', starttime: 999, uid: '', saddr: '147.32.80.40', daddr: '', sport: 0, software: 'SSH::CLIENT',
  software_name: name, version_major: null, version_minor: null, unparsed_version: version, http_browser: false,
});
const notice = (msg: string): NoticeFlow => ({
  ...base, type_: 'notice', starttime: 1001, uid: 'CN1', saddr: '147.32.80.40', daddr: '147.32.80.40', sport: 0, dport: 0,
  note: 'SSH::Password_Guessing', msg, scanning_ip: '147.32.80.40', dst: '', scanned_port: null,
});
const F = fc('147.32.80.40', '');

test('buckets at 9, 10, 12, 16, 24, 40 attempts with the default threshold', () => {
  const at = [];
  for (let a = 1; a <= 40; a++) if (bruteForceBucket(a, 9) > bruteForceBucket(a - 1, 9)) at.push(a);
  assert.deepEqual(at, [9, 10, 12, 16, 24, 40]);
});

test('24 single attempts give 5 evidence with 9, 10, 12, 16, 24 uids; exact text without a banner', () => {
  const ctx = detectionContext();
  const d = new BruteForceDetector(ctx);
  for (let i = 1; i <= 24; i++) d.onFlow(ssh(i), F);
  assert.deepEqual(ctx.evidence.map((e) => e.uid.length), [9, 10, 12, 16, 24]);
  const first = ctx.evidence[0]!;
  assert.equal(first.evidence_type, 'PASSWORD_GUESSING');
  assert.equal(first.description, 'SSH brute force detector from 147.32.80.40 to 147.32.80.37 on ssh 22/tcp. Attempts observed: 9. Confidence: 0.5. by Slips');
  assert.equal(first.threat_level, 'medium');
  assert.equal(first.victim!.value, '147.32.80.37');
  assert.equal(first.dst_port, 22);
  assert.equal(first.timestamp, 1009);
  assert.ok(ctx.evidence[0]!.confidence < 1);
});

test('confidence rises to 1.0 at 30 attempts; banners add a bonus and appear in the text', () => {
  assert.equal(bruteForceConfidence(30, 9, null), 1);
  assert.equal(bruteForceConfidence(24, 9, { text: 'libssh libssh2_1.11.0', source: 'software.log' }), 0.89);
  assert.equal(bruteForceConfidence(9, 9, { text: 'SSH-2.0-OpenSSH_8.9', source: 'ssh.log' }), 0.52);
  const ctx = detectionContext();
  const d = new BruteForceDetector(ctx);
  d.onFlow(software('libssh', 'libssh2_1.11.0'), F);
  for (let i = 1; i <= 24; i++) d.onFlow(ssh(i, { dport: 902 }), F);
  assert.equal(ctx.evidence.at(-1)!.description,
    'SSH brute force detector from 147.32.80.40 to 147.32.80.37 on 902/tcp. Attempts observed: 24. Client banner: libssh libssh2_1.11.0 from software.log. Confidence: 0.89. by Slips');
  for (let i = 25; i <= 40; i++) d.onFlow(ssh(i, { dport: 902 }), F);
  assert.ok(ctx.evidence.at(-1)!.description.endsWith('Attempts observed: 40. Client banner: libssh libssh2_1.11.0 from software.log. Confidence: 1.0. by Slips'));
});

test('20 sessions with 0 auth attempts give 4 evidence; successful logins are not attempts; ssh_attempt_threshold applies', () => {
  const ctx = detectionContext();
  const d = new BruteForceDetector(ctx);
  for (let i = 1; i <= 20; i++) d.onFlow(ssh(i, { auth_attempts: 0 }), F);
  assert.equal(ctx.evidence.length, 4);
  const ok = detectionContext();
  const d2 = new BruteForceDetector(ok);
  for (let i = 1; i <= 30; i++) d2.onFlow(ssh(i, { auth_success: true, auth_attempts: 1 }), F);
  assert.equal(ok.evidence.length, 0);
  const low = detectionContext((r) => { r.brute_force_detector.ssh_attempt_threshold = 3; });
  const d3 = new BruteForceDetector(low);
  for (let i = 1; i <= 3; i++) d3.onFlow(ssh(i), F);
  assert.equal(low.evidence.length, 1);
});

test('Zeek notice: evidence with confidence 1.0 once per window; later campaign evidence is confirmed at 1.0', () => {
  const ctx = detectionContext();
  const d = new BruteForceDetector(ctx);
  d.onFlow(notice('147.32.80.40 appears to be guessing SSH passwords (seen in 30 connections).'), F);
  d.onFlow(notice('147.32.80.40 appears to be guessing SSH passwords (seen in 30 connections).'), F);
  assert.equal(ctx.evidence.length, 1);
  assert.equal(ctx.evidence[0]!.description,
    'SSH brute force detector. 147.32.80.40 appears to be guessing SSH passwords (seen in 30 connections). Confirmed by Zeek notice.log. Confidence: 1.0. by Zeek');
  assert.equal(ctx.evidence[0]!.confidence, 1);
  for (let i = 1; i <= 9; i++) d.onFlow(ssh(i), F);
  assert.equal(ctx.evidence[1]!.confidence, 1);
  assert.ok(ctx.evidence[1]!.description.endsWith('Attempts observed: 9. Confirmed by Zeek notice.log. Confidence: 1.0. by Slips'));
});

test('conn.log only: short established connections to SSH count, long sessions and failed handshakes do not', () => {
  const ctx = detectionContext();
  const d = new BruteForceDetector(ctx);
  const c = (i: number, over = {}) => conn({ saddr: '10.0.0.9', daddr: '10.0.0.1', dport: 22, appproto: 'ssh', sbytes: 1500, dbytes: 2000, uid: `CC${i}`, starttime: 100 + i, ...over });
  for (let i = 1; i <= 5; i++) d.onFlow(c(i, { sbytes: 50000 }), fc('10.0.0.9'));
  for (let i = 1; i <= 5; i++) d.onFlow(c(i, { state: 'S0' }), fc('10.0.0.9', 'Not Established'));
  assert.equal(ctx.evidence.length, 0);
  for (let i = 1; i <= 9; i++) d.onFlow(c(i), fc('10.0.0.9'));
  assert.equal(ctx.evidence.length, 1);
  assert.equal(ctx.evidence[0]!.description, 'SSH brute force detector from 10.0.0.9 to 10.0.0.1 on ssh 22/tcp. Attempts observed: 9. Confidence: 0.5. by Slips');
});

test('with ssh.log present, Zeek conn flows recognised as SSH are not counted twice', () => {
  const ctx = detectionContext();
  const d = new BruteForceDetector(ctx);
  for (let i = 1; i <= 9; i++) {
    d.onFlow(ssh(i), F);
    d.onFlow(conn({ saddr: '147.32.80.40', daddr: '147.32.80.37', dport: 22, appproto: 'ssh', uid: `CS${i}`, starttime: 1000 + i }), fc('147.32.80.40'));
  }
  assert.equal(ctx.evidence.length, 1);
  assert.ok(ctx.evidence[0]!.description.includes('Attempts observed: 9.'));
  ctx.closeWindow([d], '147.32.80.40', 1);
  d.onFlow(ssh(50), F);
  assert.equal(ctx.evidence.length, 1);
});
