import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InfoInterner, IocStore, mergeInfo } from '../../src/ti/ioc-store.js';
import { classifyIoc, parseFeed, rejectReason, LOCAL_TAG, type FeedMeta, type FeedRole } from '../../src/ti/parsers.js';
import { parseFeedList, parseTags } from '../../src/ti/feed-list.js';
import { tagsText } from '../../src/ti/tags.js';

const local = (source: string): FeedMeta => ({ source, threatLevel: 'medium', tags: [LOCAL_TAG], perLineLevels: true });
const remote = (source: string, tl: FeedMeta['threatLevel'] = 'high', tags = ['malicious']): FeedMeta =>
  ({ source, threatLevel: tl, tags, perLineLevels: false });
function load(text: string, meta: FeedMeta, role: FeedRole = 'ti', store = new IocStore()) {
  const res = parseFeed(text, role, meta, store, new InfoInterner());
  store.seal();
  return { store, res };
}

test('classifies indicators', () => {
  assert.equal(classifyIoc('8.8.8.8'), 'ip');
  assert.equal(classifyIoc('2001:db8::1'), 'ip');
  assert.equal(classifyIoc('203.0.113.0/24'), 'range');
  assert.equal(classifyIoc('2001:db8::/32'), 'range');
  assert.equal(classifyIoc('evil.example.com'), 'domain');
  assert.equal(classifyIoc('http://evil.example.com/a.exe'), 'url');
  assert.equal(classifyIoc('evil.example.com/a.exe'), 'url');
  assert.equal(classifyIoc('AS64496'), 'asn');
  assert.equal(classifyIoc('6734f37431670b3ab4292b8f60f29984'), 'md5');
  assert.equal(classifyIoc('eacb61b5706da0a2a53a4ca4e98ae792f51b9614'), 'sha1');
  assert.equal(classifyIoc('not an ioc'), null);
  assert.equal(classifyIoc('first_seen'), null);
});

test("the original's local CSV: per-line levels, descriptions, private IPs and networks dropped", () => {
  const { store, res } = load([
    '# ioc,threat_level,description',
    '23.253.126.58,high,Simda CC',
    '10.0.0.1,high,private: ignored',
    '192.168.0.0/16,high,private network: ignored',
    '45.33.0.0/16,low,Some network',
    'bad.example.com,critical,Phishing',
    'AS64496,medium,Bulletproof hoster',
    '198.51.100.77, bogus ,documentation address is reserved',
    '1.2.3.4,whatever,Unknown level becomes the default',
  ].join('\n'), local('own_malicious_iocs.csv'));
  assert.equal(res.added, 5);
  assert.equal(res.skipped, 3);
  const ip = store.lookupIp('23.253.126.58')!;
  assert.deepEqual({ ...ip }, { description: 'Simda CC', source: 'own_malicious_iocs.csv', threat_level: 'high', tags: [LOCAL_TAG] });
  assert.equal(store.lookupIp('1.2.3.4')?.threat_level, 'medium');
  assert.equal(store.lookupIp('10.0.0.1'), undefined);
  assert.equal(store.lookupRange('10.1.2.3'), undefined);
  assert.equal(store.lookupRange('45.33.99.1')?.range, '45.33.0.0/16');
  assert.equal(store.lookupDomain('bad.example.com')?.info.threat_level, 'critical');
  assert.equal(store.lookupAsn('as64496')?.description, 'Bulletproof hoster');
  assert.equal(tagsText(ip), 'local TI file');
});

test('plain lists, hosts files, CSV with a header, Zeek intel', () => {
  const plain = load('# comment\n1.1.1.1\n2.2.2.0/24 # inline comment\nevil.example.org\n\n', remote('list.txt')).store;
  assert.ok(plain.lookupIp('1.1.1.1'));
  assert.ok(plain.lookupRange('2.2.2.200'));
  assert.ok(plain.lookupDomain('evil.example.org'));

  const hosts = load('127.0.0.1 localhost\n0.0.0.0 ads.example.net\n0.0.0.0 tracker.example.net\n', remote('hosts', 'info')).store;
  assert.equal(hosts.domains.size, 2);
  assert.equal(hosts.lookupDomain('x.ads.example.net')?.listed, 'ads.example.net');

  const csv = load([
    '# Feodo Tracker style',
    '"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"',
    '"2024-01-01 00:00:00","5.6.7.8","443","online","2024-01-02","Dridex"',
    '"2024-01-01 00:00:00","9.9.9.9","443","online","2024-01-02","QakBot"',
  ].join('\n'), remote('ipblocklist.csv')).store;
  assert.equal(csv.lookupIp('5.6.7.8')?.description, 'Dridex');
  assert.equal(csv.lookupIp('9.9.9.9')?.description, 'QakBot');

  const zeek = load([
    '#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc',
    '4.4.4.4\tIntel::ADDR\tsomething\tC2 server',
    'c2.example.net\tIntel::DOMAIN\tsomething\t-',
    'http://c2.example.net/gate.php\tIntel::URL\tsomething\tGate',
  ].join('\n'), remote('intel.dat')).store;
  assert.equal(zeek.lookupIp('4.4.4.4')?.description, 'C2 server');
  assert.ok(zeek.lookupDomain('c2.example.net'));
  assert.equal(zeek.lookupUrl('c2.example.net/gate.php')?.description, 'Gate');
});

test('JA3, SSL and Tor lists', () => {
  const ja3Local = load('"6734f37431670b3ab4292b8f60f29984","high","Trickbot Malware"\n', { ...local('own_malicious_JA3.csv'), tags: [] }, 'ja3').store;
  const t = ja3Local.lookupJa3('6734F37431670B3AB4292B8F60F29984')!;
  // A valid level is kept (the original replaced valid levels by medium).
  assert.deepEqual([t.description, t.threat_level, tagsText(t)], ['Trickbot Malware', 'high', '']);

  const sslbl = load([
    '################################################################',
    '# abuse.ch SSLBL JA3 Fingerprint Blacklist (CSV)',
    '# ja3_md5,Firstseen,Lastseen,Listingreason',
    'b386946a5a44d1ddcc843bc75336dfce,2017-07-14 18:08:15,2019-07-27 20:42:54,Dridex',
  ].join('\n'), remote('ja3_fingerprints.csv'), 'ja3').store;
  const d = sslbl.lookupJa3('b386946a5a44d1ddcc843bc75336dfce')!;
  assert.deepEqual([d.description, d.threat_level, tagsText(d)], ['Dridex', 'high', "['malicious']"]);

  const ssl = load('# Listingdate,SHA1,Listingreason\n2024-01-01 10:00:00,eacb61b5706da0a2a53a4ca4e98ae792f51b9614,AsyncRAT C&C\n',
    remote('sslblacklist.csv'), 'ssl').store;
  assert.equal(ssl.lookupSsl('eacb61b5706da0a2a53a4ca4e98ae792f51b9614')?.description, 'AsyncRAT C&C');

  const tor = load('171.25.193.20\n185.220.101.1\nExitAddress 204.8.96.1 2024-01-01 00:00:00\n', remote('torbulkexitlist'), 'tor').store;
  assert.ok(tor.isTorExit('185.220.101.1'));
  assert.ok(tor.isTorExit('204.8.96.1'));
  assert.ok(!tor.isTorExit('1.1.1.1'));
});

test('an indicator in several feeds: the highest level wins, every feed is named, tags are united', () => {
  const store = new IocStore();
  const interner = new InfoInterner();
  parseFeed('7.7.7.7,low,seen scanning\n', 'ti', local('own.csv'), store, interner);
  parseFeed('7.7.7.7\n', 'ti', remote('feodo.csv', 'high', ['botnet']), store, interner);
  parseFeed('7.7.7.7\n', 'ti', remote('firehol.netset', 'medium', ['blocklist']), store, interner);
  store.seal();
  const info = store.lookupIp('7.7.7.7')!;
  assert.equal(info.threat_level, 'high');
  assert.equal(info.source, 'own.csv, feodo.csv, firehol.netset');
  assert.deepEqual(info.tags, [LOCAL_TAG, 'botnet', 'blocklist']);
  const a = { description: 'a', source: 'x', threat_level: 'low' as const, tags: [] };
  assert.equal(mergeInfo(a, a), a);
});

test('lookups: IPv6, longest prefix, parents, URLs', () => {
  const store = new IocStore();
  const i = (d: string) => ({ description: d, source: 's', threat_level: 'medium' as const, tags: [] });
  store.addIp('2a00:1450:4001:81c::200e', i('v6'));
  store.addRange('60.0.0.0/8', i('wide'));
  store.addRange('60.1.0.0/16', i('narrow'));
  store.addRange('2a01:4f8::/32', i('v6 net'));
  store.addDomain('Evil.COM.', i('dom'));
  store.addUrl('https://x.example/path/', i('url'));
  store.seal();
  assert.equal(store.lookupIp('2a00:1450:4001:081c:0:0:0:200e')?.description, 'v6');
  assert.equal(store.lookupRange('60.1.2.3')?.info.description, 'narrow');
  assert.equal(store.lookupRange('60.2.2.3')?.info.description, 'wide');
  assert.equal(store.lookupRange('2a01:4f8:1:2::3')?.range, '2a01:4f8::/32');
  assert.deepEqual(store.lookupDomain('a.b.evil.com'), { info: i('dom'), listed: 'evil.com', exact: false });
  assert.equal(store.lookupDomain('evil.com')?.exact, true);
  assert.equal(store.lookupDomain('notevil.com'), undefined);
  assert.ok(store.lookupUrl('http://X.EXAMPLE/path'));
  // Adding after sealing still works.
  store.addIp('1.2.3.4', i('late'));
  assert.equal(store.lookupIp('1.2.3.4')?.description, 'late');
  assert.ok(store.lookupIp('2a00:1450:4001:81c::200e'));
});

test('feed lists: levels, tags, roles, disabled feeds', () => {
  const specs = parseFeedList([
    '# comment',
    'https://a.example/ips.txt,medium,[\'honeypot\',\'scanner\']',
    'https://a.example/x.txt,nonsense,[]',
    ';https://a.example/old.txt,high,[\'x\']',
    'https://check.torproject.org/torbulkexitlist,info,[\'tor_exit\']',
  ].join('\n'), 'ti');
  assert.equal(specs.length, 4);
  assert.deepEqual(specs[0], { url: 'https://a.example/ips.txt', threatLevel: 'medium', tags: ['honeypot', 'scanner'], role: 'ti', disabled: false });
  assert.equal(specs[1]!.threatLevel, 'low');
  assert.equal(specs[2]!.disabled, true);
  assert.equal(specs[3]!.role, 'tor');
  assert.deepEqual(parseTags("['phishing', 'honeypot']"), ['phishing', 'honeypot']);
});

test('downloaded content that is not a feed is recognised', () => {
  const check = (text: string) => {
    const store = new IocStore();
    return rejectReason(text, parseFeed(text, 'ti', remote('f'), store, new InfoInterner()));
  };
  assert.match(check('<!DOCTYPE html><html><body>Login</body></html>')!, /HTML/);
  assert.match(check('garbage line one\ngarbage line two\n')!, /none of its \d+ data lines holds an indicator/);
  assert.equal(check('1.1.1.1\n8.8.4.4\n'), null);
  // Private addresses are unwanted but not corrupt.
  assert.equal(check('10.0.0.1\n8.8.4.4\n'), null);
});

test('the loader\'s numeric IPv4 filter agrees with isIgnoredIp', async () => {
  const { isIgnoredIPv4 } = await import('../../src/util/ip.js');
  const { isIgnoredIp, formatIPv4 } = await import('../../src/util/ip.js');
  const edges = ['0.0.0.1', '9.255.255.255', '10.0.0.0', '11.0.0.0', '100.64.0.1', '126.255.255.255', '127.0.0.1', '169.254.1.1',
    '172.15.255.255', '172.16.0.0', '172.31.255.255', '172.32.0.0', '192.0.0.7', '192.0.0.8', '192.0.0.170', '192.0.0.172',
    '192.0.2.1', '192.0.3.1', '192.167.1.1', '192.168.1.1', '198.17.0.1', '198.18.0.1', '198.19.255.255', '198.20.0.1',
    '198.51.100.1', '203.0.113.9', '203.0.114.1', '223.255.255.255', '224.0.0.1', '239.1.1.1', '240.0.0.1', '255.255.255.255'];
  let seed = 7;
  const rand = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed; };
  const all = [...edges, ...Array.from({ length: 20000 }, () => formatIPv4(rand()))];
  for (const ip of all) {
    const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
    assert.equal(isIgnoredIPv4(((a << 24) | (b << 16) | (c << 8) | d) >>> 0), isIgnoredIp(ip), ip);
  }
});
