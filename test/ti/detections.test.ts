// Threat-intelligence and feed-based detections end to end: the real CLI on the Slips datasets
// with feed files written by the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { alertsLog, alertsJson, query, runSlips, SLIPS_DATA, tempDir } from '../helpers/run.js';

/** A config whose local feed folder holds `files`; downloads stay off, the cache folder is private. */
function configWith(files: Record<string, string>, extra = ''): string {
  const dir = tempDir('ti-conf-');
  const feeds = path.join(dir, 'local_ti_files');
  mkdirSync(feeds);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(feeds, name), text);
  const cfg = path.join(dir, 'slips.yaml');
  writeFileSync(cfg, [
    'threatintelligence:',
    `  local_threat_intelligence_files: ${feeds}`,
    `  download_path_for_remote_threat_intelligence: ${path.join(dir, 'cache')}`,
    extra,
  ].join('\n') + '\n');
  return cfg;
}

test('test15 with a local JA3 feed: Malicious JA3 with the feed description', () => {
  const cfg = configWith({ 'my_JA3.csv': '"6734f37431670b3ab4292b8f60f29984","high","Trickbot Malware"\n' });
  const r = runSlips(['-c', cfg, '-f', path.join(SLIPS_DATA, 'test15-malicious-zeek-dir')]);
  assert.equal(r.code, 0, r.stderr);
  const lines = alertsLog(r.out).filter((l) => l.includes('Malicious JA3'));
  assert.equal(lines.length, 1);
  assert.ok(lines[0]!.includes('Detected Malicious JA3: 6734f37431670b3ab4292b8f60f29984 from source address 10.0.2.15 to 22.33.22.33. description: Trickbot Malware. Threat level: high.'), lines[0]);
});

test('test9: JA3S, SSL certificate SHA1, Tor exit node, blacklisted IP, range, domain, CNAME and DNS answer', () => {
  const cfg = configWith({
    'own_malicious_JA3.csv': '"e7d705a3286e19ea42f587b344ee6865","medium","Standard tor client"\n',
    'my_ssl_certs.csv': 'eacb61b5706da0a2a53a4ca4e98ae792f51b9614,high,AsyncRAT C&C\n',
    'tor_exit_nodes.txt': '151.101.36.246\n',
    'own_malicious_iocs.csv': [
      '# ioc,threat_level,description',
      '147.32.80.7,high,Test relay',
      '195.113.232.0/24,medium,Test network',
      'cvut.cz,high,Test university domain',
      'akamai.net,low,Test CDN',
    ].join('\n') + '\n',
  });
  const r = runSlips(['-c', cfg, '-f', path.join(SLIPS_DATA, 'test9-mixed-zeek-dir')]);
  assert.equal(r.code, 0, r.stderr);
  const log = alertsLog(r.out);
  const has = (s: string) => log.filter((l) => l.includes(s));

  assert.equal(has('Malicious JA3s: (possible C&C server): e7d705a3286e19ea42f587b344ee6865 to server 123.33.22.11. description: Standard tor client. Threat level: medium.').length, 1);
  assert.equal(has('Malicious JA3s: (possible C&C server): e7d705a3286e19ea42f587b344ee6865 to server 123.33.22.11. description: Standard tor client. Threat level: low.').length, 1);
  assert.ok(has('Malicious SSL certificate to server 185.33.223.218. description: AsyncRAT C&C  Threat level: high.').length >= 1);
  assert.ok(has('A connection to TOR exit node 151.101.36.246. Threat level: info.').length >= 1);

  // The profile talks to a listed IP: the peer (DST) with the feed's level, the profile with low; reported once per window.
  const toIp = has('connection to blacklisted IP: 147.32.80.7 from 10.0.2.15. Description: Test relay. Source: own_malicious_iocs.csv.');
  assert.deepEqual(toIp.map((l) => / Threat level: (\w+)\./.exec(l)![1]).sort(), ['high', 'low']);
  assert.ok(toIp.some((l) => l.includes('Src IP 147.32.80.7 ')), 'the DST twin is filed under the listed IP');
  assert.ok(has('connection to blacklisted IP: 195.113.232.72 from 10.0.2.15. Description: Test network.').length >= 2);
  // Domain and parent-domain matches (confidence 0.7 for a parent), with the local-file tag.
  assert.ok(has('connection to a blacklisted domain wpad.felk.cvut.cz. Description: Test university domain, Found in feed: own_malicious_iocs.csv, Confidence: 0.7. with tags: local TI file.  Threat level: high.').length >= 1);
  assert.ok(has('blacklisted CNAME: a1075.g2.akamai.net when resolving static-hp-eus-s-msn-com.akamaized.net Description: Test CDN, Found in feed: own_malicious_iocs.csv, Confidence: 0.7 with tags: local TI file.  Threat level: low.').length >= 1);
  assert.ok(has('DNS answer with a blacklisted IP: 147.32.80.7 for query: wpad.felk.cvut.cz Description: Test relay Source: own_malicious_iocs.csv.').length >= 1);
  assert.ok(has('DNS answer of a blacklisted query. Query: wpad.felk.cvut.cz. Answer: 147.32.80.7, Description: Test university domain, Query found in feed: own_malicious_iocs.csv, Confidence: 0.7, Tags: local TI file.').length >= 1);
  // The TI source is shown in the enrichment of the listed IP.
  assert.ok(log.some((l) => l.includes('IP 147.32.80.7: AS: org: CESNET z.s.p.o., number: AS2852, , country: Czechia, ') && l.includes('TI: own_malicious_iocs.csv')));

  const events = alertsJson(r.out).filter((e) => String(e.Description).startsWith('connection to blacklisted IP: 147.32.80.7'));
  assert.ok(events.some((e) => JSON.stringify(e.Source).includes('"TI":["own_malicious_iocs.csv"]')));

  // The hits are part of the profile information.
  const [p] = query<{ info: string }>(r.out, "SELECT info FROM profiles WHERE ip = '10.0.2.15'");
  const info = JSON.parse(p!.info) as { threat_intelligence?: { ioc: string }[] };
  assert.ok(info.threat_intelligence?.some((h) => h.ioc === '147.32.80.7'));
});

test('without feed files nothing is reported and nothing is downloaded', () => {
  const cfg = configWith({});
  const r = runSlips(['-c', cfg, '-f', path.join(SLIPS_DATA, 'test15-malicious-zeek-dir')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(alertsLog(r.out).filter((l) => /Malicious JA3|blacklisted|TOR exit/.test(l)).length, 0);
});
