// The whitelist: file format, directions, ignore types, every field, organisations, top domains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTopDomains, parseWhitelist, Whitelist } from '../../src/whitelist/whitelist.ts';
import { DnsResolutions } from '../../src/profiler/dns-cache.ts';
import { TrafficFacts } from '../../src/enrich/traffic-facts.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import type { Entity, Evidence } from '../../src/evidence/types.ts';
import { ReferenceData } from '../../src/enrich/reference.ts';
import { AddressFacts } from '../../src/util/address-facts.ts';

const reference = ReferenceData.load();
import { conn } from '../helpers/flows.ts';
import { dns, http, ssl } from '../detect/flow_alerts/records.ts';
import { alertsLog, runSlips, SLIPS_DATA, tempDir } from '../helpers/run.ts';

const make = (text: string, top: string[] = []) => {
  const dnsCache = new DnsResolutions();
  const store = new MemoryStore();
  const facts = new TrafficFacts();
  return { wl: new Whitelist(parseWhitelist(text), new Set(top), dnsCache, store, facts, reference.orgs, new AddressFacts()), dnsCache, store, facts };
};
const ent = (direction: 'SRC' | 'DST', value: string, extra: Partial<Entity> = {}): Entity => ({ direction, ioc_type: 'IP', value, ...extra });
const ev = (attacker: Entity, victim: Entity | null = null): Evidence => ({ id: 'x', evidence_type: 'UNKNOWN_PORT', description: '',
  attacker, victim, threat_level: 'high', confidence: 1, profile: attacker.value, timewindow: 1, uid: [], timestamp: 0,
  interface: 'default', proto: null, src_port: null, dst_port: null, method: 'Heuristic', rel_id: null });

test('whitelist.conf format: comments, disabled entries, last line wins, spaces, problems reported', () => {
  const p = parseWhitelist([
    '"IoCType","IoCValue","Direction","IgnoreType"', '; a comment', 'ip, 1.2.3.4 , src , alerts', 'ip,1.2.3.4,dst,flows',
    'domain,example.com,both,both', '#domain,example.com,both,both', 'organization,google,both,alerts', 'mac,AA:BB:CC:DD:EE:FF,src,flows',
    'ip,10.0.0.0/8,both,alerts', 'organization,amazon,both,alerts', 'ip,not-an-ip,src,alerts', 'domain,x.org,sideways,alerts',
  ].join('\n'));
  assert.deepEqual(p.ips.get('1.2.3.4'), { direction: 'dst', ignore: 'flows' });
  assert.equal(p.domains.size, 0);
  assert.deepEqual([...p.orgs.keys()], ['google']);
  assert.ok(p.macs.has('aa:bb:cc:dd:ee:ff'));
  assert.equal(p.networks[0]!.cidr.text, '10.0.0.0/8');
  assert.equal(p.problems.length, 3);
  assert.deepEqual([...parseTopDomains('1,google.com\n2,www.example.co.uk\n')], ['google.com', 'example.co.uk']);
});

test('evidence: direction and ignore type decide; IPs, networks, domains (with subdomains) and MACs', () => {
  const { wl, store } = make('ip,5.5.5.5,dst,alerts\nip,6.6.6.6,src,alerts\nip,7.7.7.7,both,flows\nip,172.16.0.0/12,both,alerts\ndomain,example.com,dst,alerts\nmac,aa:bb:cc:dd:ee:ff,src,alerts');
  assert.ok(wl.isWhitelisted(ev(ent('SRC', '192.168.1.5'), ent('DST', '5.5.5.5'))));
  assert.ok(!wl.isWhitelisted(ev(ent('SRC', '5.5.5.5'))), 'dst entry does not apply to a source');
  assert.ok(wl.isWhitelisted(ev(ent('SRC', '6.6.6.6'))));
  assert.ok(!wl.isWhitelisted(ev(ent('DST', '7.7.7.7'))), 'flows-only entry does not drop evidence');
  assert.ok(wl.isWhitelisted(ev(ent('SRC', '172.20.1.1'))));
  assert.ok(wl.isWhitelisted(ev(ent('SRC', '192.168.1.5'), { direction: 'DST', ioc_type: 'DOMAIN', value: 'www.example.com' })));
  assert.ok(!wl.isWhitelisted(ev(ent('SRC', '192.168.1.5'), { direction: 'DST', ioc_type: 'DOMAIN', value: 'notexample.com' })));
  store.ensureProfile('192.168.1.50', 0)[0].mac = 'aa:bb:cc:dd:ee:ff';
  assert.ok(wl.isWhitelisted(ev(ent('SRC', '192.168.1.50'))));
});

test('evidence: every field that names a host — resolutions, SNI, queries, CNAMEs, rDNS, URL host, AS', () => {
  const { wl, dnsCache, facts } = make('domain,example.com,dst,alerts\norganization,google,both,alerts');
  dnsCache.observe(dns({ query: 'cdn.example.com', answers: ['9.8.7.6'] }), 1);
  assert.ok(wl.isWhitelisted(ev(ent('SRC', '192.168.1.5'), ent('DST', '9.8.7.6'))), 'an address example.com resolved to');
  facts.observe(ssl({ daddr: '9.8.7.5', server_name: 'api.example.com' })); // as the engine does for every TLS record
  assert.ok(wl.isWhitelisted(ev(ent('SRC', '192.168.1.5'), ent('DST', '9.8.7.5'))), 'an address presenting an example.com SNI');
  for (const extra of [{ SNI: 'a.example.com' }, { queries: ['b.example.com'] }, { CNAME: ['c.example.com'] }, { rDNS: 'host.example.com' }]) {
    assert.ok(wl.isWhitelisted(ev(ent('SRC', '192.168.1.5'), ent('DST', '4.4.4.4', extra))), JSON.stringify(extra));
  }
  assert.ok(wl.isWhitelisted(ev(ent('SRC', '192.168.1.5'), { direction: 'DST', ioc_type: 'URL', value: 'http://www.example.com/x' })));
  assert.ok(wl.isWhitelisted(ev(ent('SRC', '192.168.1.5'), ent('DST', '142.250.74.46'))), 'Google address block');
  assert.ok(wl.isWhitelisted(ev(ent('SRC', '192.168.1.5'), ent('DST', '3.3.3.3', { AS: { number: 'AS15169', org: 'GOOGLE' } }))), 'Google AS');
  assert.ok(wl.isWhitelisted(ev(ent('SRC', '192.168.1.5'), { direction: 'DST', ioc_type: 'DOMAIN', value: 'mail.google.co.uk' })));
  assert.ok(!wl.isWhitelisted(ev(ent('SRC', '192.168.1.5'), ent('DST', '52.0.131.132'))), 'Amazon is not whitelisted');
});

test('flows: every field of each record kind, only for ignore type flows/both', () => {
  const { wl } = make('domain,tracker.example,dst,flows\nip,9.9.9.9,dst,both\nip,192.168.1.66,src,flows\nmac,aa:bb:cc:dd:ee:ff,src,flows\norganization,apple,both,alerts');
  assert.ok(wl.dropFlow(dns({ query: 'x.tracker.example' })), 'DNS query');
  assert.ok(wl.dropFlow(dns({ query: 'a.example', answers: ['9.9.9.9'] })), 'DNS answer');
  assert.ok(wl.dropFlow(dns({ query: 'a.example', answers: ['x.tracker.example', '1.1.1.1'] })), 'CNAME in answers');
  assert.ok(wl.dropFlow(http({ host: 'tracker.example:8080' })), 'HTTP host');
  assert.ok(wl.dropFlow(ssl({ server_name: 'cdn.tracker.example' })), 'SNI');
  assert.ok(wl.dropFlow(ssl({ server_name: '', subject: 'CN=tracker.example,O=X' })), 'certificate CN');
  assert.ok(wl.dropFlow(conn({ daddr: '9.9.9.9' })), 'destination IP');
  assert.ok(wl.dropFlow(conn({ saddr: '192.168.1.66' })), 'source IP');
  assert.ok(!wl.dropFlow(conn({ daddr: '192.168.1.66' })), 'src entry, address as destination');
  assert.ok(wl.dropFlow(conn({ smac: 'aa:bb:cc:dd:ee:ff' })), 'source MAC');
  assert.ok(!wl.dropFlow(conn({ daddr: '17.1.1.1' })), 'organisation entry is alerts-only');
  assert.ok(!wl.dropFlow(conn({ daddr: '5.5.5.5' })));
});

test('top domains: like domain,<registered domain>,dst,alerts', () => {
  const { wl } = make('', ['example.org']);
  assert.ok(wl.isWhitelisted(ev(ent('SRC', '192.168.1.5'), { direction: 'DST', ioc_type: 'DOMAIN', value: 'www.example.org' })));
  assert.ok(!wl.isWhitelisted(ev({ direction: 'SRC', ioc_type: 'DOMAIN', value: 'www.example.org' })));
  assert.ok(wl.isTopDomain('a.b.example.org'));
});

test('integration: the default whitelist hides Google evidence; an IP entry hides a host, a flows entry drops its flows', () => {
  const plain = runSlips(['-f', join(SLIPS_DATA, 'test14-malicious-zeek-dir')]);
  assert.equal(plain.code, 0, plain.stderr);
  const base = alertsLog(plain.out);
  assert.ok(base.some((l) => l.includes('doing bad SMTP login to 80.75.42.226')));
  const dir = tempDir();
  const wlFile = join(dir, 'wl.conf');
  writeFileSync(wlFile, 'ip,80.75.42.226,dst,alerts\nip,115.112.11.30,dst,flows\n');
  const cfg = join(dir, 'slips.yaml');
  writeFileSync(cfg, `whitelists:\n  local_whitelist_path: ${wlFile}\n`);
  const r = runSlips(['-f', join(SLIPS_DATA, 'test14-malicious-zeek-dir'), '-c', cfg]);
  assert.equal(r.code, 0, r.stderr);
  const lines = alertsLog(r.out);
  assert.ok(!lines.some((l) => l.includes('80.75.42.226')), 'evidence about the whitelisted server is gone');
  assert.ok(!lines.some((l) => l.includes('GRE tunnel')), 'the GRE flows were dropped');
  assert.ok(lines.some((l) => l.includes('Suspicious user-agent:')));
});

test('an address whose names were clear is whitelisted once a whitelisted name resolves to it (and for each direction)', () => {
  const { wl, dnsCache } = make('domain,example.com,dst,alerts\ndomain,example.org,src,alerts');
  dnsCache.observe(dns({ query: 'plain.test.net', answers: ['9.9.9.1'] }), 1);
  const toIt = () => ev(ent('SRC', '192.168.1.5'), ent('DST', '9.9.9.1'));
  assert.ok(!wl.isWhitelisted(toIt()));
  assert.ok(!wl.isWhitelisted(toIt()), 'asked again: still clear');
  dnsCache.observe(dns({ query: 'cdn.example.com', answers: ['9.9.9.1'] }), 1);
  assert.ok(wl.isWhitelisted(toIt()), 'the list of names changed');
  assert.ok(!wl.isWhitelisted(ev(ent('SRC', '9.9.9.1'))), 'a dst entry does not apply to the address as a source');
  dnsCache.observe(dns({ query: 'a.example.org', answers: ['9.9.9.1'] }), 1);
  assert.ok(wl.isWhitelisted(ev(ent('SRC', '9.9.9.1'))), 'a src entry once its name resolves to the address');
  // A full list (16 names) that rotates keeps the same length: the new last name still counts.
  for (let i = 0; i < 16; i++) dnsCache.observe(dns({ query: `n${i}.test.net`, answers: ['9.9.9.2'] }), 1);
  assert.ok(!wl.isWhitelisted(ev(ent('SRC', '192.168.1.5'), ent('DST', '9.9.9.2'))));
  dnsCache.observe(dns({ query: 'x.example.com', answers: ['9.9.9.2'] }), 1);
  assert.ok(wl.isWhitelisted(ev(ent('SRC', '192.168.1.5'), ent('DST', '9.9.9.2'))));
});

test('top domains are consulted on every evidence (a refreshed list applies at once)', () => {
  const top = new Set<string>(); // empty at first, filled later (as a feed refresh would)
  const dnsCache = new DnsResolutions();
  const wl = new Whitelist(parseWhitelist(''), top, dnsCache, new MemoryStore(), new TrafficFacts(), reference.orgs, new AddressFacts());
  dnsCache.observe(dns({ query: 'www.tranco-top.com', answers: ['9.9.9.3'] }), 1);
  const e = () => ev(ent('SRC', '192.168.1.5'), ent('DST', '9.9.9.3'));
  assert.ok(!wl.isWhitelisted(e()));
  top.add('tranco-top.com');
  assert.ok(wl.isWhitelisted(e()));
});
