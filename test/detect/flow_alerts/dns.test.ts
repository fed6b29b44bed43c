// dns.log detections: thresholds, exceptions and exact texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsChecks, shannonEntropy } from '../../../src/detect/flow_alerts/dns.ts';
import { conn, detectionContext } from '../../helpers/flows.ts';
import { descriptions, dns, feed } from './records.ts';

const setup = (edit?: Parameters<typeof detectionContext>[0]) => {
  const ctx = detectionContext(edit);
  return { ctx, d: new DnsChecks(ctx) };
};

test('DNS_WITHOUT_CONNECTION: decided 30 traffic minutes after the answer, or at the end of the input', () => {
  let { ctx, d } = setup();
  feed(ctx, [d], [dns({ query: 'unused.example', answers: ['5.5.5.5'] }), dns({ starttime: 1000 + 1799, query: 'a.b', answers: ['6.6.6.6'] })]);
  assert.deepEqual(descriptions(ctx, 'DNS_WITHOUT_CONNECTION'), [], 'not before 30 minutes');
  feed(ctx, [d], [conn({ starttime: 1000 + 1801, daddr: '9.9.9.1' })]);
  assert.deepEqual(descriptions(ctx, 'DNS_WITHOUT_CONNECTION'), ['domain unused.example resolved with no connection']);
  const ev = ctx.evidence[0]!;
  assert.equal(ev.threat_level, 'info');
  assert.equal(ev.confidence, 0.8);
  assert.equal(ev.victim!.ioc_type, 'DOMAIN');
  // A connection to the answer (or to an address of a CNAME in the answers) within the wait: nothing.
  ({ ctx, d } = setup());
  feed(ctx, [d], [dns({ query: 'used.example', answers: ['5.5.5.5'] }), conn({ starttime: 1500, daddr: '5.5.5.5' }),
    dns({ starttime: 1600, query: 'cdn.example', answers: ['7.7.7.7'] }),
    dns({ starttime: 1601, query: 'www.example', answers: ['cdn.example'] }), conn({ starttime: 1700, daddr: '7.7.7.7' })], { end: true });
  assert.deepEqual(descriptions(ctx, 'DNS_WITHOUT_CONNECTION'), []);
  // Pending checks are flushed at the end of the input.
  ({ ctx, d } = setup());
  feed(ctx, [d], [dns({ query: 'late.example', answers: ['5.5.5.5'] })], { end: true });
  assert.deepEqual(descriptions(ctx, 'DNS_WITHOUT_CONNECTION'), ['domain late.example resolved with no connection']);
  // Not eligible: arpa, .local, wildcard, cymru, NXDOMAIN, other query types, no answers.
  ({ ctx, d } = setup());
  feed(ctx, [d], [dns({ query: '4.3.2.1.in-addr.arpa' }), dns({ query: 'printer.local' }), dns({ query: '*.example.com' }),
    dns({ query: '1.2.3.4.origin.asn.cymru.com' }), dns({ query: 'x.example', rcode_name: 'NXDOMAIN', answers: [] }),
    dns({ query: 'mx.example', qtype_name: 'MX' }), dns({ query: 'empty.example', answers: [] })], { end: true });
  assert.deepEqual(descriptions(ctx, 'DNS_WITHOUT_CONNECTION'), []);
});

test('HIGH_ENTROPY_DNS_ANSWER: TXT answers at or above entropy_threshold, twins medium/low', () => {
  assert.ok(shannonEntropy('qwerty123!@#$%^&*()_+') > 4);
  assert.ok(shannonEntropy('aaaaaaaaaaaaaaaaaaaaa') < 4);
  const txt = 'TXT 44 v=spf1 include:_spf.example.net ~all qwerty123!@#$%^&*()_+ZXCVBNM';
  const { ctx, d } = setup();
  feed(ctx, [d], [dns({ query: 'example.com', qtype_name: 'TXT', answers: [txt, 'TXT 8 aaaaaaaa'] })]);
  const h = Math.round(shannonEntropy(txt) * 100) / 100;
  assert.deepEqual(descriptions(ctx), [
    `A DNS TXT answer with high entropy. query: example.com answer: "${txt}" entropy: ${h} `,
    `A DNS TXT answer with high entropy. query: example.com answer: "${txt}" entropy: ${h} `]);
  assert.deepEqual(ctx.evidence.map((e) => [e.attacker.direction, e.threat_level, e.confidence]), [['DST', 'medium', 0.6], ['SRC', 'low', 0.6]]);
  const strict = setup((r) => { r.flow_alerts.entropy_threshold = 10; });
  feed(strict.ctx, [strict.d], [dns({ qtype_name: 'TXT', answers: [txt] })]);
  assert.equal(strict.ctx.evidence.length, 0);
});

test('INVALID_DNS_RESOLUTION: private answers, except localhost, .local and .arpa', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [dns({ query: 'evil.example', answers: ['127.0.0.1'] }), dns({ query: 'localhost', answers: ['127.0.0.1'] }),
    dns({ query: 'nas.local', answers: ['192.168.1.9'] }), dns({ query: 'ok.example', answers: ['93.184.216.34'] })]);
  assert.deepEqual(descriptions(ctx, 'INVALID_DNS_RESOLUTION'), ['Invalid DNS answer. The DNS query evil.example was resolved to the private IP: 127.0.0.1']);
  assert.equal(ctx.evidence[0]!.threat_level, 'info');
  assert.equal(ctx.evidence[0]!.confidence, 0.8);
});

test('DGA_NXDOMAINS: every 10 distinct NXDOMAINs per window, confidence n/100, .arpa/.local not counted', () => {
  const { ctx, d } = setup();
  const nx = (q: string, i: number) => dns({ uid: `N${i}`, query: q, rcode_name: 'NXDOMAIN', answers: [] });
  feed(ctx, [d], [nx('a.arpa', 0), nx('b.local', 0), ...Array.from({ length: 9 }, (_, i) => nx(`d${i}.example`, i)), nx('d0.example', 99)]);
  assert.equal(ctx.evidence.length, 0);
  feed(ctx, [d], [nx('d9.example', 9)]);
  assert.deepEqual(descriptions(ctx), ['Possible DGA or domain scanning. 192.168.1.5 failed to resolve 10 different domains']);
  assert.equal(ctx.evidence[0]!.confidence, 0.1);
  assert.equal(ctx.evidence[0]!.threat_level, 'high');
  assert.equal(ctx.evidence[0]!.uid.length, 10);
  feed(ctx, [d], Array.from({ length: 10 }, (_, i) => nx(`d${i}.example`, 100 + i)));
  assert.equal(ctx.evidence.length, 2, 'the list starts again after a report');
});

test('DNS_ARPA_SCAN: 10 reverse lookups within 2 seconds', () => {
  const arpa = (n: number, step: number) => Array.from({ length: n }, (_, i) => dns({ starttime: 1000 + i * step, query: `${i}.1.168.192.in-addr.arpa`, qtype_name: 'PTR', answers: [] }));
  let { ctx, d } = setup();
  feed(ctx, [d], arpa(5, 0.1));
  assert.equal(ctx.evidence.length, 0);
  ({ ctx, d } = setup());
  feed(ctx, [d], arpa(10, 0.09));
  assert.deepEqual(descriptions(ctx), ['Doing DNS ARPA scan. Scanned 10 hosts within 2 seconds.']);
  assert.equal(ctx.evidence[0]!.threat_level, 'medium');
  assert.equal(ctx.evidence[0]!.confidence, 0.7);
  ({ ctx, d } = setup());
  feed(ctx, [d], arpa(10, 0.3));
  assert.equal(ctx.evidence.length, 0);
});

test('DIFFERENT_LOCALNET for DNS: a private client outside the local network; the resolver itself never', () => {
  const { ctx, d } = setup();
  feed(ctx, [d], [dns({ saddr: '192.168.1.5', daddr: '10.0.0.1' })]);
  assert.deepEqual(descriptions(ctx, 'DIFFERENT_LOCALNET'), []);
  feed(ctx, [d], [dns({ saddr: '10.9.9.9', daddr: '192.168.1.1' })]);
  assert.deepEqual(descriptions(ctx, 'DIFFERENT_LOCALNET'), ['A connection from a private IP (10.9.9.9) on port 53/udp outside of the used local network 192.168.0.0/16. To IP: 192.168.1.1 ']);
});

test('YOUNG_DOMAIN: only with a domain-age source', () => {
  let { ctx, d } = setup();
  feed(ctx, [d], [dns({ query: 'new.example', answers: ['5.5.5.5'] })]);
  assert.deepEqual(descriptions(ctx, 'YOUNG_DOMAIN'), []);
  ({ ctx, d } = setup());
  d.domainAges = { ageDays: (q) => (q === 'new.example' ? 12.5 : 400) };
  feed(ctx, [d], [dns({ query: 'new.example', answers: ['5.5.5.5'] }), dns({ query: 'old.example', answers: ['6.6.6.6'] })]);
  const young = ctx.evidence.filter((e) => e.evidence_type === 'YOUNG_DOMAIN');
  assert.deepEqual(young.map((e) => [e.description, e.attacker.value, e.threat_level]), [
    ['connection to a young domain: new.example registered 12.5 days ago.', '5.5.5.5', 'low'],
    ['connection to a young domain: new.example registered 12.5 days ago.', '192.168.1.5', 'info']]);
});
