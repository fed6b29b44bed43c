// The Slips datasets: the evidence strings of the original's integration tests (spec 24.1) that
// flow_alerts and http_analyzer produce, including the historical zeek-dir expectations with
// today's templates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { alertsLog, runSlips, SLIPS_DATA } from '../../helpers/run.ts';

const run = (input: string): string[] => {
  const r = runSlips(['-f', join(SLIPS_DATA, input)]);
  assert.equal(r.code, 0, r.stderr);
  return alertsLog(r.out);
};
const has = (lines: string[], s: string): void => assert.ok(lines.some((l) => l.includes(s)), `missing: ${s}`);

test('test9 conn.log alone: non-HTTP connection to port 80', () => {
  const lines = run('test9-mixed-zeek-dir/conn.log');
  has(lines, 'non-HTTP established connection to port 80. destination IP: 194.132.197.198');
  assert.ok(!lines.some((l) => l.includes('without DNS resolution')), 'no DNS log, no CONNECTION_WITHOUT_DNS');
});

test('test10 conn.log alone and folder: non-SSL 443, high-entropy TXT answers', () => {
  has(run('test10-mixed-zeek-dir/conn.log'), 'non-SSL established connection');
  const lines = run('test10-mixed-zeek-dir');
  has(lines, 'DNS TXT answer with high entropy');
  has(lines, 'non-SSL established connection to port 443. destination IP: ');
  has(lines, "Connection to multiple ports ['1337', '337'] from 192.0.2.44 to 156.87.76.4. ");
});

test('test14 folder: SMTP, user agent, executable download, GRE, reconnections', () => {
  const lines = run('test14-malicious-zeek-dir');
  has(lines, 'bad SMTP login to 80.75.42.226');
  has(lines, 'SMTP login bruteforce to 80.75.42.226. 3 logins in 10 seconds');
  has(lines, 'Suspicious user-agent:');
  has(lines, 'Download of an executable');
  has(lines, 'GRE tunnel');
  has(lines, 'Multiple reconnection attempts from IP: 10.0.2.15 to destination IP: 123.22.123.22 reconnections: 5.');
  has(lines, 'Unencrypted HTTP traffic from 10.0.2.15 to ');
});

test('test15 folder: SSH version change and a certificate claiming Google', () => {
  const lines = run('test15-malicious-zeek-dir');
  has(lines, 'SSH client version changing');
  has(lines, 'Incompatible certificate CN to IP: 52.0.131.132 domain: netflix.com. The certificate is claiming to belong to Google');
});
