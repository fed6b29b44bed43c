// ssl.log detections and the non-TLS 443 correlation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SslChecks, cnMatches, commonName } from '../../../src/detect/flow_alerts/ssl.ts';
import { conn, detectionContext } from '../../helpers/flows.ts';
import { descriptions, feed, notice, ssl } from './records.ts';

const setup = (edit?: Parameters<typeof detectionContext>[0]) => {
  const ctx = detectionContext(edit);
  return { ctx, d: new SslChecks(ctx) };
};

test('SELF_SIGNED_CERTIFICATE twins; other validation failures once per server as INVALID_CERTIFICATE', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [ssl({ validation_status: 'self signed certificate', server_name: 'a.example' }), ssl({ validation_status: 'ok' })]);
  assert.deepEqual(descriptions(ctx), ['Self-signed certificate. Destination IP: 1.2.3.4. SNI: a.example.', 'Self-signed certificate. Destination IP: 1.2.3.4. SNI: a.example.']);
  assert.deepEqual(ctx.evidence.map((e) => [e.attacker.direction, e.threat_level, e.confidence]), [['SRC', 'low', 0.5], ['DST', 'low', 0.5]]);
  feed(ctx, [d], [ssl({ validation_status: 'unable to get local issuer certificate', server_name: '' }),
    ssl({ validation_status: 'unable to get local issuer certificate', server_name: '' }), ssl({ validation_status: 'certificate has expired', server_name: '' })]);
  assert.deepEqual(descriptions(ctx, 'INVALID_CERTIFICATE'), ['Invalid certificate (unable to get local issuer certificate). Destination IP: 1.2.3.4.',
    'Invalid certificate (certificate has expired). Destination IP: 1.2.3.4.']);
  assert.deepEqual(ctx.evidence.filter((e) => e.evidence_type === 'INVALID_CERTIFICATE').map((e) => e.threat_level), ['low', 'info']);
  // A Zeek notice for a connection ssl.log already covered is not repeated; others are reported.
  feed(ctx, [d], [notice({ uid: 'U1', note: 'SSL::Invalid_Server_Cert', msg: 'SSL certificate validation failed with (self signed certificate)' }),
    notice({ uid: 'N2', daddr: '4.4.4.4', note: 'SSL::Invalid_Server_Cert', msg: 'SSL certificate validation failed with (self signed certificate)' })]);
  assert.deepEqual(descriptions(ctx, 'SELF_SIGNED_CERTIFICATE').slice(2), ['Self-signed certificate. Destination IP: 4.4.4.4.', 'Self-signed certificate. Destination IP: 4.4.4.4.']);
});

test('INCOMPATIBLE_CN: a certificate naming an organisation, served from elsewhere', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [
    ssl({ daddr: '52.0.131.132', server_name: 'netflix.com', subject: 'CN=*.google.com,O=Google LLC,L=Mountain View,ST=California,C=US' }),
    ssl({ daddr: '142.250.74.46', server_name: 'www.google.com', subject: 'CN=*.google.com,O=Google LLC' }),
    ssl({ daddr: '52.0.131.132', server_name: 'mail.google.com', subject: 'CN=*.google.com,O=Google LLC' }),
  ]);
  assert.deepEqual(descriptions(ctx, 'INCOMPATIBLE_CN'), ['Incompatible certificate CN to IP: 52.0.131.132 domain: netflix.com. The certificate is claiming to belong to Google.']);
  const ev = ctx.evidence.find((e) => e.evidence_type === 'INCOMPATIBLE_CN')!;
  assert.equal(ev.threat_level, 'medium');
  assert.equal(ev.confidence, 0.9);
});

test('CN_URL_MISMATCH: names compared with wildcards, registered domains and organisations', () => {
  assert.equal(commonName('C=US, CN=first.example, O=X, CN=second.example'), 'first.example');
  assert.ok(cnMatches('*.google.com', 'www.google.com'));
  assert.ok(!cnMatches('google.com', 'google.com.evil.example'));
  const { ctx, d } = setup();
  feed(ctx, [d], [ssl({ server_name: 'adtech.yahoo.com', subject: 'CN=yahoo.com' }), ssl({ server_name: 'unknown.example', subject: 'CN=other.example' }),
    ssl({ server_name: 'www.facebook.com', subject: 'CN=*.google.com,O=Google LLC', daddr: '157.240.1.35' })]);
  assert.deepEqual(descriptions(ctx, 'CN_URL_MISMATCH'), [
    "a CN mismatch. The common name (CN) '*.google.com' in the SSL certificate for the domain 'www.facebook.com' does not match the server's domain.",
    "a CN mismatch. The common name (CN) '*.google.com' in the SSL certificate for the domain 'www.facebook.com' does not match the server's domain."]);
  assert.deepEqual(ctx.evidence.filter((e) => e.evidence_type === 'CN_URL_MISMATCH').map((e) => [e.attacker.direction, e.threat_level, e.confidence]),
    [['SRC', 'low', 0.8], ['DST', 'medium', 0.8]]);
});

test('PASTEBIN_DOWNLOAD over TLS: downloaded bytes of the connection at or above pastebin_download_threshold', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [conn({ uid: 'P1', daddr: '104.20.67.143', dbytes: 12000 }), ssl({ uid: 'P1', daddr: '104.20.67.143', server_name: 'pastebin.com' }),
    conn({ uid: 'P2', daddr: '104.20.67.143', dbytes: 699 }), ssl({ uid: 'P2', daddr: '104.20.67.143', server_name: 'pastebin.com' }),
    ssl({ uid: 'P3', daddr: '104.20.67.143', server_name: 'pastebin.com' }), conn({ uid: 'P3', daddr: '104.20.67.143', dbytes: 2_500_000 })]);
  assert.deepEqual(descriptions(ctx, 'PASTEBIN_DOWNLOAD'), ['A downloaded file from pastebin.com. size: 0.01 MBs', 'A downloaded file from pastebin.com. size: 2.5 MBs']);
});

test('DoH: Zeek flag, resolver name or resolver address on 443; once per server and window', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [ssl({ daddr: '45.90.28.1', is_DoH: true, server_name: '' }), ssl({ daddr: '45.90.28.1', is_DoH: true }),
    ssl({ daddr: '9.9.9.9', server_name: '' }), ssl({ daddr: '5.5.5.5', server_name: 'cloudflare-dns.com' }), ssl({ daddr: '5.5.5.6' })]);
  assert.deepEqual(descriptions(ctx, 'DNS_OVER_HTTPS'), ['using DNS over HTTPs. DNS server: 45.90.28.1 ', 'using DNS over HTTPs. DNS server: 9.9.9.9 ',
    'using DNS over HTTPs. DNS server: 5.5.5.5 ']);
  const ev = ctx.evidence[0]!;
  assert.deepEqual([ev.attacker.direction, ev.profile, ev.threat_level, ev.confidence], ['DST', '45.90.28.1', 'info', 0.9]);
});

test('NON_SSL_PORT_443_CONNECTION: no TLS between the two hosts within 5 minutes before or after', () => {
  const { ctx, d } = setup();
  const c = (o: Parameters<typeof conn>[0]) => conn({ dport: 443, ...o });
  feed(ctx, [d], [
    c({ uid: 'S1', starttime: 1000, daddr: '2.2.2.2', appproto: 'ssl' }), c({ uid: 'X1', starttime: 1200, daddr: '2.2.2.2' }), // TLS before
    c({ uid: 'X2', starttime: 1000, daddr: '3.3.3.3' }), ssl({ starttime: 1250, daddr: '3.3.3.3' }), // TLS after (ssl.log)
    c({ uid: 'X3', starttime: 1000, daddr: '4.4.4.4' }), c({ uid: 'S4', starttime: 1301, daddr: '4.4.4.4', appproto: 'ssl' }), // too late
    c({ uid: 'X5', starttime: 1000, daddr: '5.5.5.5', state: 'S0' }), c({ uid: 'X6', starttime: 1000, daddr: '6.6.6.6', sbytes: 0, dbytes: 0 }),
  ]);
  assert.deepEqual(descriptions(ctx, 'NON_SSL_PORT_443_CONNECTION'), ['non-SSL established connection to port 443. destination IP: 4.4.4.4']);
  feed(ctx, [d], [c({ uid: 'X7', starttime: 2000, daddr: '7.7.7.7' })], { end: true });
  assert.deepEqual(descriptions(ctx, 'NON_SSL_PORT_443_CONNECTION').length, 2);
  const ev = ctx.evidence.find((e) => e.evidence_type === 'NON_SSL_PORT_443_CONNECTION')!;
  assert.deepEqual([ev.threat_level, ev.confidence, ev.uid], ['medium', 0.8, ['X3']]);
});
