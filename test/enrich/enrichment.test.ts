import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ReferenceData } from '../../src/enrich/reference.js';

const reference = ReferenceData.load();
import { ptrToIp, TrafficFacts } from '../../src/enrich/traffic-facts.js';
import { alertsLog, alertsJson, query, runSlips, SLIPS_DATA } from '../helpers/run.js';
import type { DnsFlow, SslFlow } from '../../src/flows/types.js';

test('country of public addresses, none for private ones', () => {
  assert.deepEqual(reference.country('147.32.80.9'), { code: 'CZ', name: 'Czechia' });
  assert.equal(reference.country('8.8.8.8')?.code, 'US');
  assert.equal(reference.country('2001:718::1')?.code, 'CZ');
  assert.equal(reference.country('10.0.2.15'), null);
  assert.equal(reference.country('224.0.0.251'), null);
  assert.equal(reference.country('garbage'), null);
});

test('PTR names to addresses', () => {
  assert.equal(ptrToIp('9.80.32.147.in-addr.arpa'), '147.32.80.9');
  assert.equal(ptrToIp('9.80.32.147.in-addr.arpa.'), '147.32.80.9');
  assert.equal(ptrToIp('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa'), '2001:db8::1');
  assert.equal(ptrToIp('80.32.147.in-addr.arpa'), null);
  assert.equal(ptrToIp('example.com'), null);
});

test('facts from the traffic: rDNS from PTR answers, SNI and certificates of servers', () => {
  const facts = new TrafficFacts();
  const base = { starttime: 1, uid: 'C1', saddr: '10.0.0.2', daddr: '10.0.0.1', interface: 'default', flow_source: 'zeek' as const,
    ground_truth_label: '', detailed_ground_truth_label: '', sport: 5353, dport: 53, proto: 'udp' };
  const ptr: DnsFlow = { ...base, type_: 'dns', query: '8.8.8.8.in-addr.arpa', qclass_name: 'C_INTERNET', qtype_name: 'PTR',
    rcode_name: 'NOERROR', answers: ['dns.google'], TTLs: [60] };
  facts.observe(ptr);
  assert.equal(facts.rdns('8.8.8.8'), 'dns.google');
  const ssl = (sni: string): SslFlow => ({ ...base, type_: 'ssl', daddr: '1.2.3.4', dport: 443, proto: 'tcp', version: 'TLSv12', cipher: '',
    resumed: false, established: true, cert_chain_fuids: [], client_cert_chain_fuids: [], subject: `CN=${sni}`, issuer: '',
    server_name: sni, validation_status: '', curve: '', ja3: '', ja3s: '', is_DoH: false, not_valid_before: null, not_valid_after: null });
  facts.observe(ssl('a.example'));
  facts.observe(ssl('b.example'));
  facts.observe(ssl('a.example'));
  assert.deepEqual(facts.snis('1.2.3.4'), ['b.example', 'a.example']);
  assert.deepEqual(facts.certificates('1.2.3.4'), ['CN=b.example', 'CN=a.example']);
});

test('test9: alerts carry AS, country, SNI and passive DNS of public IPs; profiles hold their information', () => {
  const r = runSlips(['-f', path.join(SLIPS_DATA, 'test9-mixed-zeek-dir')]);
  assert.equal(r.code, 0, r.stderr);
  const log = alertsLog(r.out);
  // Every public IP named in an alert's extra information has at least its country.
  const extras = log.flatMap((l) => [...l.matchAll(/IP (\d+\.\d+\.\d+\.\d+): ([^]*?)(?=, IP \d|$)/g)].map((m) => [m[1]!, m[2]!] as const));
  const publicOnes = extras.filter(([ip]) => !/^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|255\.)/.test(ip));
  assert.ok(publicOnes.length > 20, `only ${publicOnes.length} public IPs with information`);
  assert.ok(publicOnes.every(([, id]) => /country: [A-Z]/.test(id)), 'a public IP without country');
  assert.ok(publicOnes.filter(([, id]) => id.startsWith('AS: org: ')).length / publicOnes.length > 0.8);
  assert.ok(log.some((l) => l.includes('IP 147.32.80.7: AS: org: CESNET z.s.p.o., number: AS2852, , country: Czechia, ')));
  assert.ok(log.some((l) => l.includes("Destination IP: 151.101.36.246. SNI: www.scdn.co. Threat level: info. IP 151.101.36.246: AS: org: Fastly, Inc., number: AS54113, , country: United States, SNI: www.scdn.co, queries: ['www.scdn.co'], ")));
  // IDMEF notes carry AS and SNI.
  const ev = alertsJson(r.out).find((e) => JSON.stringify(e.Target ?? '').includes('151.101.36.246'));
  assert.ok(ev && String((ev.Target as { Note?: string }[])[0]!.Note).includes('"number": "AS54113"'));

  const rows = query<{ ip: string; mac: string; info: string }>(r.out, 'SELECT ip, mac, info FROM profiles');
  const host = JSON.parse(rows.find((p) => p.ip === '10.0.2.15')!.info) as Record<string, unknown>;
  assert.equal(host.host_name, 'John-PC');
  assert.deepEqual(host.IPv4, ['10.0.2.15']);
  assert.equal(host.MAC, '08:00:27:7f:09:e1');
  assert.equal(host.MAC_vendor, 'PCS Systemtechnik GmbH');
  assert.equal(host.geocountry, 'Private');
  assert.match(String(host['first user-agent']), /Mozilla|Microsoft|Windows/);
  assert.ok(Number(host.user_agents_count) >= 2);
  assert.match(String(host.OS), /^Windows/);
  assert.match(String(host.browser), /^IE 8/);
  assert.ok(Array.isArray(host.threat_level_history) && host.threat_level_history.length === 1);
  assert.ok(host.used_software === undefined || typeof host.used_software === 'object');
});

test('optional online rDNS: never blocks, cached, time-limited, public addresses only', async () => {
  const { OnlineReverseDns } = await import('../../src/enrich/online-rdns.js');
  const asked: string[] = [];
  const rdns = new OnlineReverseDns({ timeoutMs: 50, resolve: async (ip) => {
    asked.push(ip);
    if (ip === '9.9.9.9') return ['dns9.quad9.net'];
    if (ip === '1.0.0.1') return new Promise<string[]>(() => {}); // never answers
    throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  } });
  assert.equal(rdns.get('9.9.9.9'), undefined, 'the first call answers at once from the (empty) cache');
  assert.equal(rdns.get('9.9.9.9'), undefined);
  assert.equal(rdns.get('10.0.0.1'), undefined);
  rdns.get('1.0.0.1');
  rdns.get('8.8.4.4');
  await rdns.settle();
  assert.equal(rdns.get('9.9.9.9'), 'dns9.quad9.net');
  assert.equal(rdns.get('1.0.0.1'), undefined);
  assert.equal(rdns.get('8.8.4.4'), undefined);
  assert.deepEqual(asked, ['9.9.9.9', '1.0.0.1', '8.8.4.4'], 'one lookup per address, none for private ones');
  assert.deepEqual(rdns.stats, { started: 3, answered: 1, failed: 2 });
});
