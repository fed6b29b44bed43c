/**
 * Slips on captures, end to end through the packet engine and its application analyzers (the
 * real CLI is spawned):
 * - test19 (nmap ssh-brute on 902/tcp) gives PASSWORD_GUESSING from ssh.log + software.log;
 * - the test-cc captures give BEACONING (TLS check-ins named by the ssl.log SNI, DNS check-ins);
 * - test7 (a scanning Raspberry Pi) gives DNS-based evidence consistent with its traffic: every
 *   scanned address is a connection without DNS resolution, the NTP servers it resolved are not;
 *   its DHCP lease names the host.
 * Run: node --import tsx --test test/capture/pcap-detections.test.ts
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SLIPS_DATA = path.resolve(ROOT, '../shared/datasets/slips');
const T19 = path.join(SLIPS_DATA, 'test19-malicious-ssh/malicious-ssh-bruteforce.pcap');
const CC1 = path.join(SLIPS_DATA, 'test-cc/test-cc-capture-1.pcap');
const CC2 = path.join(SLIPS_DATA, 'test-cc/test-cc-capture-2.pcap');
const T7 = path.join(SLIPS_DATA, 'test7-malicious.pcap');

/** Runs `slips -f pcap` and gives alerts.log and a reader of the zeek_files logs. */
function runSlips(pcap: string, check: (alerts: string, zeekLog: (name: string) => string) => void): void {
  const out = mkdtempSync(path.join(os.tmpdir(), 'slips-pcap-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '-f', pcap, '-o', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const alerts = readFileSync(path.join(out, 'alerts', 'alerts.log'), 'utf8');
    check(alerts, (name) => readFileSync(path.join(out, 'zeek_files', `${name}.log`), 'utf8'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const count = (text: string, re: RegExp): number => (text.match(new RegExp(re.source, 'g')) ?? []).length;

test('test19: SSH brute force from a pcap', { skip: !existsSync(T19) && 'dataset missing' }, () => {
  runSlips(T19, (alerts, zeekLog) => {
    assert.match(alerts, /SSH brute force detector from 147\.32\.80\.40 to 147\.32\.80\.37 on 902\/tcp\. Attempts observed: 9\. Client banner: libssh libssh2_1\.11\.0 from software\.log\./);
    assert.ok(zeekLog('ssh').includes('SSH-2.0-libssh2_1.11.0'));
  });
});

test('test-cc capture 1: TLS beaconing to the SNI name', { skip: !existsSync(CC1) && 'dataset missing' }, () => {
  runSlips(CC1, (alerts, zeekLog) => {
    assert.match(alerts, /Detected Beaconing from 147\.32\.80\.37 to testing\.com \(2 IPs: 141\.193\.213\.21, 141\.193\.213\.20\) port 443\/tcp: 298 connections/);
    assert.ok(zeekLog('ssl').includes('\ttesting.com\t'));
  });
});

test('test-cc capture 2: TLS and DNS beaconing, failed resolutions', { skip: !existsSync(CC2) && 'dataset missing' }, () => {
  runSlips(CC2, (alerts) => {
    assert.match(alerts, /Detected Beaconing from 147\.32\.80\.37 to 141\.193\.213\.20 \(testing\.com\) port 443\/tcp: 22 connections/);
    assert.match(alerts, /Detected Beaconing from 147\.32\.80\.37 to 147\.32\.80\.9 port 53\/udp: 240 connections/);
    // the zen.spamhaus.org look-ups: NXDOMAIN answers and 127.0.0.x answers from dns.log
    assert.ok(count(alerts, /Possible DGA or domain scanning\. 147\.32\.80\.37 failed to resolve 10 different domains/) >= 5);
    assert.match(alerts, /Invalid DNS answer\. The DNS query [0-9.]+\.zen\.spamhaus\.org was resolved to the private IP: 127\.0\.0\.1[01] /);
  });
});

test('test7: DNS-based evidence consistent with the traffic', { skip: !existsSync(T7) && 'dataset missing' }, () => {
  runSlips(T7, (alerts, zeekLog) => {
    const dns = zeekLog('dns');
    // the host resolved its NTP pool servers through 8.8.8.8 ...
    assert.match(dns, /192\.168\.2\.16\t57813\t8\.8\.8\.8\t53\tudp\t.*\t1\.debian\.pool\.ntp\.org\t.*88\.198\.12\.78/);
    const conn = zeekLog('conn');
    assert.ok(conn.includes('\t88.198.12.78\t123\tudp\tntp\t'));
    // ... so its NTP traffic is not "without DNS resolution", while the scanned addresses are
    assert.doesNotMatch(alerts, /without DNS resolution to Destination IP: (88\.198\.12\.78|212\.96\.160\.147) /);
    assert.match(alerts, /Src IP 192\.168\.2\.16 \(black-pearl\)\. Detected A connection without DNS resolution to Destination IP: 108\.200\.116\.255 /);
    assert.ok(count(alerts, /Detected A connection without DNS resolution/) >= 200);
    // the host name comes from the DHCP lease (and mDNS)
    assert.match(zeekLog('dhcp'), /192\.168\.2\.16\t192\.168\.2\.1\tb8:27:eb:c7:e9:c9\tblack-pearl\t-\texample\.org\t192\.168\.2\.16\t192\.168\.2\.16\t600\.000000\t-\t-\tDISCOVER,DISCOVER,OFFER,REQUEST,ACK\t/);
  });
});
