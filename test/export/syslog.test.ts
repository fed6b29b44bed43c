// syslog (RFC 5424) and CEF exporters against Debian's rsyslogd on loopback: UDP, TCP and a Unix
// stream socket; attacker strings escaped per format; a dead and a stalled receiver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import type { Evidence } from '../../src/evidence/types.ts';
import { cefEvidence, cutUtf8, localIdentity, rfc3339Micro, syslogCarrying, syslogEvidence } from '../../src/export/syslog-format.ts';
import { StreamTransport, UdpTransport } from '../../src/export/syslog-transport.ts';
import { fullDescription } from '../../src/output/alert-format.ts';
import { visible } from '../../src/util/visible.ts';
import { tempDir } from '../helpers/run.ts';
import { haveRsyslog, Rsyslog } from './rsyslog.ts';
import { exportConfig, freePort, query, runSlipsAsync, TEST13, TEST18 } from './lib.ts';

const skip = haveRsyslog() ? false : 'rsyslogd is not installed (apt-get install rsyslog)';

/** CEF header fields and extension values, unescaped as a CEF parser reads them. */
function parseCef(line: string): { header: string[]; ext: Record<string, string> } {
  assert.ok(line.startsWith('CEF:'), line);
  const header: string[] = [];
  let cur = '', i = 4;
  while (header.length < 7 && i < line.length) {
    const c = line[i]!;
    if (c === '\\') { cur += line[i + 1]; i += 2; continue; }
    if (c === '|') { header.push(cur); cur = ''; i++; continue; }
    cur += c; i++;
  }
  const ext: Record<string, string> = {};
  const re = /(?:^| )([A-Za-z0-9_]+)=((?:[^\\=]|\\.)*?)(?= [A-Za-z0-9_]+=|$)/g;
  for (const m of line.slice(i).matchAll(re)) ext[m[1]!] = m[2]!.replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch === 'r' ? '\r' : ch));
  return { header, ext };
}

const HOSTILE = 'GET /\x1b[2J\x1b]0;pwned\x07 | a=b \\ "q" ]x\nnext\u202eevil\x7f\x85';

function hostileEvidence(): Evidence {
  return {
    id: '11111111-2222-4333-8444-555555555555', evidence_type: 'SUSPICIOUS_USER_AGENT', description: `Suspicious user-agent: ${HOSTILE}`,
    attacker: { direction: 'SRC', ioc_type: 'IP', value: '192.168.1.107' },
    victim: { direction: 'DST', ioc_type: 'DOMAIN', value: `evil${HOSTILE}.example` }, threat_level: 'high', confidence: 1,
    profile: '192.168.1.107', timewindow: 2, uid: ['C1'], timestamp: 1677024003.5, interface: 'default', proto: 'TCP',
    src_port: 49160, dst_port: 80, method: 'Heuristic', rel_id: null,
  };
}

test('RFC 5424 timestamps carry microseconds in UTC; messages are cut at a character boundary', () => {
  assert.equal(rfc3339Micro(1677024003.123456), '2023-02-22T00:00:03.123456Z');
  assert.equal(rfc3339Micro(1677024003.9999999), '2023-02-22T00:00:04.000000Z');
  assert.equal(cutUtf8('aé€😀', 5), 'aé');
  assert.equal(cutUtf8('aé€😀', 6), 'aé€');
  assert.equal(cutUtf8('abc', 10), 'abc');
});

test('a syslog and a CEF line of a hostile evidence hold no control character, and every field decodes to the visible text', () => {
  const id = localIdentity(16, 'slips@32473', 'sensor1');
  const ev = hostileEvidence();
  for (const line of [syslogEvidence(id, ev), syslogCarrying(id, 'high', ev.timestamp, 'evidence', cefEvidence(id, ev))]) {
    assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
  }
  const cef = parseCef(cefEvidence(id, ev));
  assert.deepEqual(cef.header.slice(0, 6), ['0', 'Stratosphere', 'Slips', '1.1.21', 'SUSPICIOUS_USER_AGENT', visible(ev.description)]);
  assert.equal(cef.header[6], '8');
  assert.equal(cef.ext.msg, visible(fullDescription(ev)));
  assert.equal(cef.ext.dhost, visible(ev.victim!.value));
  assert.equal(cef.ext.src, '192.168.1.107');
  assert.equal(cef.ext.dpt, '80');
  assert.equal(cef.ext.cs1, '192.168.1.107');
  assert.equal(cef.ext.externalId, ev.id);
});

test('rsyslog receives the hostile evidence over UDP, TCP and a Unix socket and parses it back field by field', { skip }, async (t) => {
  const rs = new Rsyslog();
  t.after(() => rs.stop());
  await rs.start();
  const id = localIdentity(16, 'slips@32473', 'sensor1');
  const ev = hostileEvidence();
  const lines = [syslogEvidence(id, ev), syslogCarrying(id, 'high', ev.timestamp, 'evidence', cefEvidence(id, ev))];
  const transports = [new UdpTransport('127.0.0.1', rs.udpPort), new StreamTransport({ host: '127.0.0.1', port: rs.tcpPort }),
    new StreamTransport({ path: rs.socket })];
  t.after(async () => { for (const tr of transports) await tr.close(); });
  for (const tr of transports) await tr.send(lines);
  for (const input of ['imudp', 'imtcp', 'imptcp']) {
    const got = await rs.waitFor(input, 2);
    assert.equal(got.length, 2, `${input}: ${JSON.stringify(rs.received())}`);
    const [plain, carried] = got;
    assert.equal(plain!.pri, String(16 * 8 + 3));
    assert.equal(plain!.timestamp, '2023-02-22T00:00:03.500000Z');
    assert.equal(plain!.app, 'slips');
    assert.equal(plain!.msgid, 'evidence');
    assert.equal(plain!.msg, visible(`Src IP 192.168.1.107 Detected ${fullDescription(ev)}`));
    assert.doesNotMatch(plain!.msg, /#0\d\d/, 'rsyslog saw no raw control character to escape');
    const sd = (JSON.parse(plain!.parsed) as Record<string, Record<string, string>>)['slips@32473']!;
    assert.equal(sd.id, ev.id);
    assert.equal(sd.type, 'SUSPICIOUS_USER_AGENT');
    assert.equal(sd.victim, visible(ev.victim!.value));
    assert.equal(sd.sensor, 'sensor1');
    assert.equal(sd.dport, '80');
    const cef = parseCef(carried!.msg);
    assert.equal(cef.ext.msg, visible(fullDescription(ev)));
    assert.equal(carried!.sd, '-');
  }
});

interface Kids { children: ChildProcess[] }
const kids = (t: { after: (fn: () => void) => void }): Kids => {
  const k: Kids = { children: [] };
  t.after(() => { for (const c of k.children) c.kill('SIGKILL'); });
  return k;
};

test('test18 through slips to rsyslog: every evidence and alert as RFC 5424 over TCP, and as CEF over a Unix socket', { skip }, async (t) => {
  const rs = new Rsyslog();
  t.after(() => rs.stop());
  await rs.start();
  const k = kids(t);
  const tcp = await runSlipsAsync(['-f', TEST18, '-c', exportConfig({ export_to: ['syslog'], syslog_protocol: 'tcp',
    syslog_port: rs.tcpPort, sensor_name: 'edge-7' })], (c) => k.children.push(c));
  assert.equal(tcp.code, 0, tcp.stderr);
  const ids = query<{ id: string }>(tcp.out, 'SELECT id FROM evidence').map((r) => r.id).sort();
  const alertIds = query<{ alert_id: string }>(tcp.out, 'SELECT alert_id FROM alerts').map((r) => r.alert_id).sort();
  assert.equal(ids.length, 912);
  assert.equal(alertIds.length, 26);
  const got = await rs.waitFor('imtcp', 938);
  assert.equal(got.length, 938);
  const sdOf = (m: { parsed: string }) => (JSON.parse(m.parsed) as Record<string, Record<string, string>>)['slips@32473']!;
  assert.deepEqual(got.filter((m) => m.msgid === 'evidence').map((m) => sdOf(m).id).sort(), ids);
  assert.deepEqual(got.filter((m) => m.msgid === 'alert').map((m) => sdOf(m).id).sort(), alertIds);
  assert.ok(got.every((m) => sdOf(m).sensor === 'edge-7' && m.app === 'slips'));
  const alert = got.find((m) => m.msgid === 'alert')!;
  assert.equal(alert.pri, String(16 * 8 + 2));
  assert.match(alert.msg, /^Src IP 192\.168\.1\.107 Generated an alert given enough evidence on timewindow 1\.$/);
  assert.match(tcp.stdout, new RegExp(`syslog: delivered 938 messages to 127\\.0\\.0\\.1:${rs.tcpPort}/tcp, dropped 0`));

  const unix = await runSlipsAsync(['-f', TEST18, '-c', exportConfig({ export_to: ['cef'], syslog_protocol: 'unix',
    syslog_socket: rs.socket })], (c) => k.children.push(c));
  assert.equal(unix.code, 0, unix.stderr);
  const cefs = (await rs.waitFor('imptcp', 938)).map((m) => parseCef(m.msg));
  assert.equal(cefs.length, 938);
  assert.equal(cefs.filter((c) => c.ext.cat === 'evidence').length, 912);
  const portScan = cefs.find((c) => c.header[4] === 'UNKNOWN_PORT')!;
  assert.equal(portScan.ext.src, '192.168.1.107');
  assert.equal(portScan.ext.dst, '66.63.168.35');
  assert.equal(portScan.ext.dpt, '5888');
  assert.equal(portScan.header[6], '5');
  const alert2 = cefs.find((c) => c.ext.cat === 'alert')!;
  assert.equal(alert2.header[4], 'ALERT');
  assert.equal(alert2.header[6], '10');
});

test('syslog over UDP from a run: each message one datagram', { skip }, async (t) => {
  const rs = new Rsyslog();
  t.after(() => rs.stop());
  await rs.start();
  const k = kids(t);
  const res = await runSlipsAsync(['-f', TEST13, '-c', exportConfig({ export_to: ['syslog'], syslog_port: rs.udpPort })], (c) => k.children.push(c));
  assert.equal(res.code, 0, res.stderr);
  const n = query(res.out, 'SELECT id FROM evidence').length + query(res.out, 'SELECT alert_id FROM alerts').length;
  assert.ok(n > 0);
  assert.equal((await rs.waitFor('imudp', n)).length, n);
});

test('a dead receiver: the analysis finishes, the bounded queue drops what it cannot hold and says how many', async (t) => {
  const k = kids(t);
  const port = await freePort();
  const res = await runSlipsAsync(['-f', TEST18, '-c', exportConfig({ export_to: ['syslog'], syslog_protocol: 'tcp', syslog_port: port,
    export_queue_size: 100, export_close_timeout: 1 })], (c) => k.children.push(c));
  assert.equal(res.code, 0, res.stderr);
  assert.equal(query(res.out, 'SELECT id FROM evidence').length, 912, 'the analysis itself is complete');
  assert.match(res.stderr, new RegExp(`cannot deliver to 127\\.0\\.0\\.1:${port}/tcp: ECONNREFUSED`));
  assert.match(res.stderr, /queue full \(100 messages waiting for .*\); dropped 1 message so far/);
  assert.match(res.stderr, /dropped 100 messages so far/);
  assert.match(res.stderr, new RegExp(`syslog: delivered 0 messages to 127\\.0\\.0\\.1:${port}/tcp, dropped 938`));
  assert.match(res.stdout, /Evidence: 912\. Alerts: 26\./);
});

test('a receiver that stops reading: delivered and dropped add up to every message, the run still ends', async (t) => {
  const k = kids(t);
  const dir = tempDir('slips-stall-');
  const path = join(dir, 'stalled.sock');
  const held: Socket[] = [];
  const server = createServer((s) => { held.push(s); s.pause(); });
  await new Promise<void>((r) => server.listen(path, () => r()));
  t.after(async () => { for (const s of held) s.destroy(); await new Promise<void>((r) => server.close(() => r())); rmSync(dir, { recursive: true, force: true }); });
  const res = await runSlipsAsync(['-f', TEST18, '-c', exportConfig({ export_to: ['syslog'], syslog_protocol: 'unix', syslog_socket: path,
    export_queue_size: 50, export_close_timeout: 1 })], (c) => k.children.push(c));
  assert.equal(res.code, 0, res.stderr);
  const m = /syslog: delivered (\d+) messages? to unix:.*, dropped (\d+)/.exec(res.stderr);
  assert.ok(m, res.stderr);
  assert.equal(Number(m[1]) + Number(m[2]), 938);
  assert.ok(Number(m[2]) > 0, 'a receiver that reads nothing makes the queue drop');
  assert.match(res.stderr, /queue full \(50 messages waiting for unix:/);
});
