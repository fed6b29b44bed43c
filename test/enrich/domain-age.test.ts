// Domain ages for YOUNG_DOMAIN: the local file source, RDAP and whois against servers started here
// on 127.0.0.1 (nothing else is ever contacted), the detector's use of them, and a CLI run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { DnsChecks } from '../../src/detect/flow_alerts/dns.ts';
import { deriveSettings, defaultRawConfig, type RawConfig } from '../../src/config/config.ts';
import { DomainAgeFile, OnlineDomainAges, onlineCreationLookup, loadDomainAges }
  from '../../src/enrich/domain-age.ts';
import { parseCreationDate } from '../../src/enrich/domain-age-dates.ts';
import { parseWhoisAnswer } from '../../src/enrich/whois.ts';
import { rdapRegistration } from '../../src/enrich/rdap.ts';
import { detectionContext, type RecordingContext } from '../helpers/flows.ts';
import { alertsLog, readText, runSlips, tempDir } from '../helpers/run.ts';
import { dns, feed } from '../detect/flow_alerts/records.ts';

const T = (iso: string): number => Date.parse(iso) / 1000;
const FLOW_TIME = T('2024-03-01T12:00:00Z');
/** Lookup time limit in the online tests (local servers answer in milliseconds; the held ones never). */
const LIMIT_MS = 1500;

const young = (ctx: RecordingContext) => ctx.evidence.filter((e) => e.evidence_type === 'YOUNG_DOMAIN');

test('creation dates: ISO (UTC unless an offset is given), registry formats and epoch seconds', () => {
  assert.equal(parseCreationDate('2024-01-01'), T('2024-01-01T00:00:00Z'));
  assert.equal(parseCreationDate('2024-01-01T10:00:00Z'), T('2024-01-01T10:00:00Z'));
  assert.equal(parseCreationDate('2024-01-01 10:00:00'), T('2024-01-01T10:00:00Z'));
  assert.equal(parseCreationDate('2024-01-01T10:00:00+02:00'), T('2024-01-01T08:00:00Z'));
  assert.equal(parseCreationDate('2019-02-12T19:02:47.123Z'), T('2019-02-12T19:02:47.123Z'));
  assert.equal(parseCreationDate('21-Jun-2001'), T('2001-06-21T00:00:00Z'));
  assert.equal(parseCreationDate('21.06.2001'), T('2001-06-21T00:00:00Z'));
  assert.equal(parseCreationDate('2001/02/01'), T('2001-02-01T00:00:00Z'));
  assert.equal(parseCreationDate('1704067200'), T('2024-01-01T00:00:00Z'));
  assert.equal(parseCreationDate('1704067200000'), T('2024-01-01T00:00:00Z'));
  assert.equal(parseCreationDate('yesterday'), undefined);
  assert.equal(parseCreationDate('2024-13-01'), undefined);
});

test('whois and RDAP answers: creation-date variants, referrals, not found, unusable', () => {
  assert.deepEqual(parseWhoisAnswer('Domain Name: X.COM\r\nCreation Date: 2024-01-01T00:00:00Z\r\n'), { created: T('2024-01-01T00:00:00Z') });
  assert.deepEqual(parseWhoisAnswer('% RIPE-style\ndomain: x.cz\ncreated:      12.03.2001 10:00:00\n'), { created: T('2001-03-12T00:00:00Z') });
  assert.deepEqual(parseWhoisAnswer('    Domain name:\n        x.co.uk\n    Relevant dates:\n        Registered on: 21-Jun-2001\n'), { created: T('2001-06-21T00:00:00Z') });
  assert.deepEqual(parseWhoisAnswer('[Created on]                    2001/02/01\n'), { created: T('2001-02-01T00:00:00Z') });
  assert.deepEqual(parseWhoisAnswer('domain: COM\nrefer: whois.verisign-grs.com\ncreated: 1985-01-01\n'), { refer: 'whois.verisign-grs.com' });
  assert.deepEqual(parseWhoisAnswer('No match for "NOPE.COM".\n'), { notFound: true });
  assert.deepEqual(parseWhoisAnswer('hello there\n'), { unusable: 'no creation date in the whois answer' });
  assert.equal(rdapRegistration(JSON.stringify({ events: [{ eventAction: 'last changed', eventDate: '2024-02-01T00:00:00Z' },
    { eventAction: 'registration', eventDate: '2024-01-01T00:00:00Z' }] })), T('2024-01-01T00:00:00Z'));
  assert.throws(() => rdapRegistration('<html>'), /not JSON/);
  assert.throws(() => rdapRegistration('{"events":[]}'), /no registration event/);
});

const AGES = [
  '# domain,creation_date',
  'domain,creation_date',
  'young-site.com,2024-02-10T00:00:00Z',
  'old-site.com,2001-06-21',
  'example.co.uk\t2024-02-20',
  'printer.local,2024-02-20',
  'future-site.com,2025-01-01',
  'EPOCH-SITE.NET,1708732800',
  'broken line',
].join('\n');

test('file source: young vs old at traffic time, registered-domain matching, .local/.arpa skipped', () => {
  const file = DomainAgeFile.fromText(AGES);
  assert.equal(file.created.size, 6);
  assert.deepEqual(file.badLines, ['9: broken line']);
  const ctx = detectionContext(() => {}, { domainAges: file });
  const d = new DnsChecks(ctx);
  feed(ctx, [d], [
    dns({ starttime: FLOW_TIME, uid: 'Y1', query: 'young-site.com', answers: ['5.5.5.5', 'alias.cdn.net', '6.6.6.6'] }),
    dns({ starttime: FLOW_TIME, uid: 'O1', query: 'www.old-site.com', answers: ['7.7.7.7'] }),
    dns({ starttime: FLOW_TIME, uid: 'R1', query: 'a.b.example.co.uk', answers: ['8.8.4.4'] }),
    dns({ starttime: FLOW_TIME, uid: 'L1', query: 'printer.local', answers: ['192.168.1.9'] }),
    dns({ starttime: FLOW_TIME, uid: 'A1', query: '4.3.2.1.in-addr.arpa', answers: [] }),
    dns({ starttime: FLOW_TIME, uid: 'F1', query: 'future-site.com', answers: ['9.9.9.9'] }),
    dns({ starttime: FLOW_TIME, uid: 'E1', query: 'epoch-site.net.', answers: ['4.4.4.4'] }),
    dns({ starttime: FLOW_TIME, uid: 'U1', query: 'unknown-site.com', answers: ['3.3.3.3'] }),
  ], { end: true });
  const ev = young(ctx);
  assert.deepEqual(ev.map((e) => [e.uid![0], e.description, e.attacker.direction, e.attacker.value, e.threat_level, e.confidence]), [
    ['Y1', 'connection to a young domain: young-site.com registered 20.5 days ago.', 'DST', '5.5.5.5', 'low', 1],
    ['Y1', 'connection to a young domain: young-site.com registered 20.5 days ago.', 'DST', '6.6.6.6', 'low', 1],
    ['Y1', 'connection to a young domain: young-site.com registered 20.5 days ago.', 'SRC', '192.168.1.5', 'info', 1],
    ['R1', 'connection to a young domain: a.b.example.co.uk registered 10.5 days ago.', 'DST', '8.8.4.4', 'low', 1],
    ['R1', 'connection to a young domain: a.b.example.co.uk registered 10.5 days ago.', 'SRC', '192.168.1.5', 'info', 1],
    ['E1', 'connection to a young domain: epoch-site.net. registered 6.5 days ago.', 'DST', '4.4.4.4', 'low', 1],
    ['E1', 'connection to a young domain: epoch-site.net. registered 6.5 days ago.', 'SRC', '192.168.1.5', 'info', 1],
  ]);
  // Twins: the DST evidence is filed under the answer's profile, the SRC one links them.
  assert.equal(ev[0]!.profile, '5.5.5.5');
  assert.equal(ev[2]!.victim!.value, 'young-site.com');
  assert.deepEqual(ev[2]!.rel_id, ['id1', 'id2']);
  assert.equal(ev[2]!.timestamp, FLOW_TIME);
});

/** Loads the domain ages of a configuration as the composition root does, recording what it says. */
function load(edit: (raw: RawConfig) => void = () => {}): { source: unknown; printed: string[]; errors: string[] } {
  const raw = defaultRawConfig();
  edit(raw);
  const printed: string[] = [], errors: string[] = [];
  const source = loadDomainAges(deriveSettings(raw), { print: (_s, t) => { printed.push(t); }, error: (_s, t) => { errors.push(t); } });
  return { source, printed, errors };
}

test('loading: the "skipped" line only without a source; a configured file is announced, bad lines reported once', () => {
  const dir = tempDir('domain-ages-');
  const path = join(dir, 'ages.csv');
  writeFileSync(path, AGES);
  let s = load();
  assert.equal(s.source, null);
  assert.deepEqual(s.printed, ['YOUNG_DOMAIN is skipped: it needs a domain-age source (ip_info.domain_ages_file or ip_info.online_domain_age), and none is configured in this offline run.']);
  s = load((raw) => { raw.ip_info.domain_ages_file = path; });
  assert.ok(s.source instanceof DomainAgeFile);
  assert.deepEqual(s.printed, [`Domain ages for YOUNG_DOMAIN: 6 domains from ${path} (ip_info.domain_ages_file).`]);
  assert.deepEqual(s.errors, [`1 lines of ${path} are not "domain,creation_date" and were ignored, e.g. line 9: broken line`]);
  // A missing file: an error, and the detection is said to be skipped.
  s = load((raw) => { raw.ip_info.domain_ages_file = join(dir, 'missing.csv'); });
  assert.match(s.errors[0]!, /^cannot read the domain-ages file .*missing\.csv: ENOENT/);
  assert.equal(s.printed.length, 1);
  assert.match(s.printed[0]!, /YOUNG_DOMAIN is skipped/);
  // YOUNG_DOMAIN disabled: nothing is loaded and nothing said.
  s = load((raw) => { raw.ip_info.domain_ages_file = path; raw.DisabledAlerts.disabled_detections = ['YOUNG_DOMAIN']; });
  assert.equal(s.source, null);
  assert.deepEqual([...s.printed, ...s.errors], []);
});

// ---- online sources against local servers -------------------------------------------------------

async function listen(server: HttpServer | TcpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on (a server was started there and closed). */
async function closedPort(): Promise<number> {
  const s = createTcpServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

function rdapServer(): { server: HttpServer; hits: string[]; held: import('node:http').ServerResponse[] } {
  const hits: string[] = [];
  const held: import('node:http').ServerResponse[] = [];
  const server = createHttpServer((req, res) => {
    const domain = decodeURIComponent(req.url!.replace(/^\/domain\//, ''));
    hits.push(domain);
    const json = (o: unknown) => { res.writeHead(200, { 'content-type': 'application/rdap+json' }); res.end(JSON.stringify(o)); };
    if (domain === 'young-site.com') json({ objectClassName: 'domain', ldhName: 'YOUNG-SITE.COM',
      events: [{ eventAction: 'registration', eventDate: '2024-02-10T00:00:00Z' }, { eventAction: 'expiration', eventDate: '2025-02-10T00:00:00Z' }] });
    else if (domain === 'old-site.com') json({ events: [{ eventAction: 'registration', eventDate: '2001-06-21T00:00:00Z' }] });
    else if (domain === 'bad-site.com') { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html>rate limited</html>'); }
    else if (domain === 'slow-site.com') held.push(res);
    else { res.writeHead(404); res.end(); }
  });
  return { server, hits, held };
}

test('RDAP: lookup in the background, one per registered domain, cached; malformed, timeout and server down give an error line and no age', async () => {
  const { server, hits, held } = rdapServer();
  const port = await listen(server);
  try {
    const errors: string[] = [];
    const ages = new OnlineDomainAges({ lookup: onlineCreationLookup(`http://127.0.0.1:${port}/domain/{domain}`, '', LIMIT_MS),
      error: (t) => errors.push(t) });
    const now = FLOW_TIME;
    for (const q of ['young-site.com', 'www.young-site.com', 'old-site.com', 'bad-site.com', 'slow-site.com', 'unknown-site.com', 'printer.local']) {
      assert.equal(ages.ageDays(q, now), undefined, `${q}: nothing is known before the lookup ends`);
    }
    await ages.settle();
    assert.deepEqual([...hits].sort(), ['bad-site.com', 'old-site.com', 'slow-site.com', 'unknown-site.com', 'young-site.com']);
    assert.equal(ages.ageDays('young-site.com', now), 20.5);
    assert.equal(ages.ageDays('cdn.young-site.com', now), 20.5);
    assert.equal(ages.ageDays('old-site.com', now), (now - T('2001-06-21T00:00:00Z')) / 86400);
    for (const q of ['bad-site.com', 'slow-site.com', 'unknown-site.com']) assert.equal(ages.ageDays(q, now), undefined);
    assert.equal(hits.length, 5, 'answers and failures are cached: no second request');
    assert.deepEqual(ages.stats, { started: 5, answered: 2, unknown: 1, failed: 2 });
    assert.deepEqual(errors.sort(), ['domain age of bad-site.com unknown: the RDAP answer is not JSON',
      `domain age of slow-site.com unknown: RDAP lookup timed out after ${LIMIT_MS} ms`]);
  } finally {
    for (const r of held) r.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  // Server down: an error line, no age.
  const errors: string[] = [];
  const down = new OnlineDomainAges({ lookup: onlineCreationLookup(`http://127.0.0.1:${await closedPort()}/domain/{domain}`, '', LIMIT_MS),
    error: (t) => errors.push(t) });
  assert.equal(down.ageDays('young-site.com', FLOW_TIME), undefined);
  await down.settle();
  assert.equal(down.ageDays('young-site.com', FLOW_TIME), undefined);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^domain age of young-site\.com unknown: RDAP lookup failed: fetch failed/);
});

function whoisServer(): { server: TcpServer; queries: string[]; held: Socket[] } {
  const queries: string[] = [];
  const held: Socket[] = [];
  const server = createTcpServer((sock) => {
    let buf = '';
    sock.on('data', (b) => {
      buf += b.toString();
      if (!buf.includes('\r\n')) return;
      const q = buf.trim();
      queries.push(q);
      if (q === 'young-site.com') sock.end('   Domain Name: YOUNG-SITE.COM\r\n   Creation Date: 2024-02-10T00:00:00Z\r\n   Registrar: Example\r\n');
      else if (q === 'example.co.uk') sock.end('\r\n    Domain name:\r\n        example.co.uk\r\n\r\n    Relevant dates:\r\n        Registered on: 20-Feb-2024\r\n');
      else if (q === 'ripe-style.cz') sock.end('%% a comment\ndomain:       ripe-style.cz\ncreated:      20.02.2024 10:00:00\n');
      else if (q === 'garbage-site.com') sock.end('hello, this is not whois\r\n');
      else if (q === 'slow-site.com') held.push(sock);
      else sock.end(`No match for "${q.toUpperCase()}".\r\n`);
    });
  });
  return { server, queries, held };
}

test('whois: creation-date variants, caching, malformed answer, timeout, server down; RDAP falls back to whois', async () => {
  const { server, queries, held } = whoisServer();
  const port = await listen(server);
  try {
    const errors: string[] = [];
    const ages = new OnlineDomainAges({ lookup: onlineCreationLookup('', `127.0.0.1:${port}`, LIMIT_MS), error: (t) => errors.push(t) });
    for (const q of ['young-site.com', 'www.example.co.uk', 'ripe-style.cz', 'garbage-site.com', 'slow-site.com', 'nope-site.com']) ages.ageDays(q, FLOW_TIME);
    await ages.settle();
    assert.equal(ages.ageDays('young-site.com', FLOW_TIME), 20.5);
    assert.equal(ages.ageDays('mail.example.co.uk', FLOW_TIME), 10.5);
    assert.equal(ages.ageDays('ripe-style.cz', FLOW_TIME), 10.5);
    for (const q of ['garbage-site.com', 'slow-site.com', 'nope-site.com']) assert.equal(ages.ageDays(q, FLOW_TIME), undefined);
    await ages.settle();
    assert.deepEqual([...queries].sort(), ['example.co.uk', 'garbage-site.com', 'nope-site.com', 'ripe-style.cz', 'slow-site.com', 'young-site.com']);
    assert.deepEqual(errors.sort(), [
      `domain age of garbage-site.com unknown: no creation date in the whois answer from 127.0.0.1:${port}`,
      `domain age of slow-site.com unknown: whois lookup at 127.0.0.1:${port} timed out after ${LIMIT_MS} ms`]);
    // RDAP down, whois answers: the age comes from whois and no error is written.
    const fallbackErrors: string[] = [];
    const both = new OnlineDomainAges({ lookup: onlineCreationLookup(`http://127.0.0.1:${await closedPort()}/domain/{domain}`, `127.0.0.1:${port}`, LIMIT_MS),
      error: (t) => fallbackErrors.push(t) });
    both.ageDays('young-site.com', FLOW_TIME);
    await both.settle();
    assert.equal(both.ageDays('young-site.com', FLOW_TIME), 20.5);
    assert.deepEqual(fallbackErrors, []);
  } finally {
    for (const s of held) s.destroy();
    await new Promise((r) => server.close(r));
  }
  const errors: string[] = [];
  const down = new OnlineDomainAges({ lookup: onlineCreationLookup('', `127.0.0.1:${await closedPort()}`, LIMIT_MS), error: (t) => errors.push(t) });
  down.ageDays('young-site.com', FLOW_TIME);
  await down.settle();
  assert.equal(down.ageDays('young-site.com', FLOW_TIME), undefined);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^domain age of young-site\.com unknown: whois lookup at 127\.0\.0\.1:\d+ failed: connect ECONNREFUSED/);
});

test('detector with an online source: a query asked during the lookup is reported when the age arrives, with its own time', async () => {
  const { server } = rdapServer();
  const port = await listen(server);
  try {
    const errors: string[] = [];
    const online = new OnlineDomainAges({ lookup: onlineCreationLookup(`http://127.0.0.1:${port}/domain/{domain}`, '', 2000),
      error: (t) => errors.push(t) });
    const ctx = detectionContext(() => {}, { domainAges: online });
    const d = new DnsChecks(ctx);
    feed(ctx, [d], [dns({ starttime: FLOW_TIME, uid: 'Y1', query: 'young-site.com', answers: ['5.5.5.5'] }),
      dns({ starttime: FLOW_TIME + 1, uid: 'O1', query: 'old-site.com', answers: ['7.7.7.7'] })]);
    assert.deepEqual(young(ctx), [], 'the lookup never blocks the flow');
    await online.settle();
    // The next DNS flow (here a repeat of the query, 10 s later) reports the remembered one and itself.
    feed(ctx, [d], [dns({ starttime: FLOW_TIME + 10, uid: 'Y2', query: 'young-site.com', answers: ['5.5.5.5'] })], { end: true });
    assert.deepEqual(young(ctx).map((e) => [e.uid![0], e.timestamp, e.description, e.threat_level]), [
      ['Y1', FLOW_TIME, 'connection to a young domain: young-site.com registered 20.5 days ago.', 'low'],
      ['Y1', FLOW_TIME, 'connection to a young domain: young-site.com registered 20.5 days ago.', 'info'],
      ['Y2', FLOW_TIME + 10, `connection to a young domain: young-site.com registered ${(FLOW_TIME + 10 - T('2024-02-10T00:00:00Z')) / 86400} days ago.`, 'low'],
      ['Y2', FLOW_TIME + 10, `connection to a young domain: young-site.com registered ${(FLOW_TIME + 10 - T('2024-02-10T00:00:00Z')) / 86400} days ago.`, 'info'],
    ]);
    assert.deepEqual(errors, []);
    // A remembered flow whose window has long closed (more than one width before the clock) is dropped.
    const online2 = new OnlineDomainAges({ lookup: onlineCreationLookup(`http://127.0.0.1:${port}/domain/{domain}`, '', 2000) });
    const ctx2 = detectionContext(() => {}, { domainAges: online2 });
    const d2 = new DnsChecks(ctx2);
    feed(ctx2, [d2], [dns({ starttime: FLOW_TIME, uid: 'Y1', query: 'young-site.com', answers: ['5.5.5.5'] })]);
    await online2.settle();
    feed(ctx2, [d2], [dns({ starttime: FLOW_TIME + 3 * 3600, uid: 'X1', query: 'unknown-site.com', answers: ['3.3.3.3'] })], { end: true });
    assert.deepEqual(young(ctx2), []);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('CLI: a domain-ages file gives YOUNG_DOMAIN on a generated Zeek dns.log, counted at traffic time', () => {
  const dir = tempDir('domain-ages-cli-');
  const logs = join(dir, 'zeek');
  mkdirSync(logs);
  const rec = (ts: number, uid: string, query: string, answers: string[]) => JSON.stringify({ ts, uid, 'id.orig_h': '192.168.1.20',
    'id.orig_p': 40000, 'id.resp_h': '192.168.1.1', 'id.resp_p': 53, proto: 'udp', trans_id: 1, query, qclass: 1,
    qclass_name: 'C_INTERNET', qtype: 1, qtype_name: 'A', rcode: 0, rcode_name: 'NOERROR', AA: false, TC: false, RD: true,
    RA: true, Z: 0, answers, TTLs: answers.map(() => 60), rejected: false });
  writeFileSync(join(logs, 'dns.log'), [
    rec(FLOW_TIME, 'CYoung1', 'www.young-site.com', ['5.5.5.5']),
    rec(FLOW_TIME + 5, 'COld1', 'old-site.com', ['7.7.7.7']),
    rec(FLOW_TIME + 6, 'CUnknown1', 'unknown-site.com', ['3.3.3.3']),
  ].join('\n') + '\n');
  writeFileSync(join(dir, 'ages.csv'), AGES);
  writeFileSync(join(dir, 'slips.yaml'), `ip_info:\n  domain_ages_file: ${join(dir, 'ages.csv')}\n`);
  const r = runSlips(['-c', join(dir, 'slips.yaml'), '-f', logs], { out: join(dir, 'out') });
  assert.equal(r.code, 0, r.stderr);
  const slipsLog = readText(join(r.out, 'slips.log'));
  assert.match(slipsLog, /Domain ages for YOUNG_DOMAIN: 6 domains from .*ages\.csv/);
  assert.doesNotMatch(slipsLog, /YOUNG_DOMAIN is skipped/);
  const lines = alertsLog(r.out).filter((l) => l.includes('young domain'));
  assert.ok(lines.some((l) => l.includes('connection to a young domain: www.young-site.com registered 20.5 days ago.')), lines.join('\n'));
  assert.equal(lines.length, 2, 'the DST twin (answer 5.5.5.5) and the SRC one; old and unlisted domains give nothing');
  // Without the file the run says once that the detection is skipped.
  const plain = runSlips(['-f', logs], { out: join(dir, 'out2') });
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(readText(join(plain.out, 'slips.log')).split('YOUNG_DOMAIN is skipped').length - 1, 1);
});
