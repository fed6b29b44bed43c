/**
 * The FTP, SMTP and DHCP analyzers on synthetic sessions: exact rows, Zeek's logging rules
 * (which FTP commands are logged, when an SMTP transaction is written, how DHCP messages of one
 * transaction are joined across connections), FTP data channels, the TLS hand-over, and bounded
 * line buffers. Run: node --import tsx --test test/capture/analyzers-ftp-smtp-dhcp.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnalyzerFactory, ConnectionAnalyzer } from '../../src/capture/analyzer.js';
import { fakeConnection, type EmittedRecords, type FakeConn } from './fake-conn.js';
import { createAnalyzerFactory } from '../../src/capture/analyzers/index.js';

type Out = EmittedRecords;

let uidCounter = 0;
function fakeConn(out: Out, proto: 'tcp' | 'udp', origH: string, origP: number, respH: string, respP: number, t = 1000): FakeConn {
  return fakeConnection({ uid: `C${++uidCounter}`, proto, origH, origP, respH, respP, t, out });
}

const rows = (out: Out, log: string): Array<Record<string, unknown>> => out.filter(([l]) => l === log).map(([, r]) => r);

function session(a: ConnectionAnalyzer, conn: FakeConn, lines: Array<[boolean, string]>): void {
  for (const [isOrig, text] of lines) {
    conn.t += 0.1;
    a.deliverStream!(isOrig, Buffer.from(text + '\r\n', 'latin1'));
  }
}

test('FTP: logged commands, passive data channel, RETR with size, the ftp-data connection', () => {
  const out: Out = [];
  const factory = createAnalyzerFactory();
  const ctl = fakeConn(out, 'tcp', '10.0.0.1', 40000, '192.0.2.1', 21);
  const a = factory(ctl)!;
  session(a, ctl, [
    [false, '220 (vsFTPd 3.0.5)'],
    [true, 'USER anonymous'],
    [false, '331 Please specify the password.'],
    [true, 'PASS me@example.com'],
    [false, '230-Welcome'],
    [false, '230 Login successful.'],
    [true, 'PASV'],
    [false, '227 Entering Passive Mode (192,0,2,1,195,80).'],
    [true, 'RETR pub/file.txt'],
    [false, '150 Opening BINARY mode data connection for pub/file.txt (11 bytes).'],
    [false, '226 Transfer complete.'],
    [true, 'QUIT'],
    [false, '221 Goodbye.'],
  ]);
  assert.deepEqual(ctl.services, ['ftp']);
  const ftp = rows(out, 'ftp');
  assert.deepEqual(
    ftp.map((r) => [r.command, r.arg, r.reply_code, r.file_size, r['data_channel.resp_p']]),
    [
      ['PASV', undefined, 227, undefined, 195 * 256 + 80],
      ['RETR', 'ftp://192.0.2.1/./pub/file.txt', 226, 11, undefined],
    ],
  );
  assert.equal(ftp[0]!.user, 'anonymous');
  assert.equal(ftp[0]!.password, 'me@example.com'); // guest logins keep the password, as Zeek
  assert.equal(ftp[0]!['data_channel.passive'], true);
  assert.equal(ftp[0]!['data_channel.orig_h'], '10.0.0.1');
  assert.equal(ftp[0]!['data_channel.resp_h'], '192.0.2.1');

  // the announced data connection: ftp-data, and its content as an FTP_DATA file
  const data = fakeConn(out, 'tcp', '10.0.0.1', 40001, '192.0.2.1', 195 * 256 + 80, ctl.t);
  const d = factory(data)!;
  d.deliverStream!(false, Buffer.from('hello world'));
  d.done!();
  assert.deepEqual(data.services, ['ftp-data']);
  const files = rows(out, 'files');
  assert.equal(files.length, 1);
  assert.equal(files[0]!.source, 'FTP_DATA');
  assert.equal(files[0]!.seen_bytes, 11);
  assert.equal(files[0]!.md5, '5eb63bbbe01eeed093cb22bb8f5acdc3');
  // the expectation is used once
  const again = fakeConn(out, 'tcp', '10.0.0.1', 40002, '192.0.2.1', 195 * 256 + 80, ctl.t);
  const g = factory(again)!;
  g.deliverStream!(false, Buffer.from('more'));
  g.done!();
  assert.deepEqual(again.services, []);
});

test('FTP: a named user hides the password; PORT makes an active data channel', () => {
  const out: Out = [];
  const factory: AnalyzerFactory = createAnalyzerFactory();
  const ctl = fakeConn(out, 'tcp', '10.0.0.1', 40000, '192.0.2.1', 21);
  const a = factory(ctl)!;
  session(a, ctl, [
    [false, '220 ready'],
    [true, 'USER alice'],
    [false, '331 Password required'],
    [true, 'PASS secret'],
    [false, '530 Login incorrect.'],
    [true, 'PORT 10,0,0,1,156,64'],
    [false, '200 PORT command successful.'],
  ]);
  const ftp = rows(out, 'ftp');
  assert.equal(ftp.length, 1);
  assert.equal(ftp[0]!.user, 'alice');
  assert.equal(ftp[0]!.password, undefined);
  assert.equal(ftp[0]!['data_channel.passive'], false);
  assert.equal(ftp[0]!['data_channel.orig_h'], '192.0.2.1');
  assert.equal(ftp[0]!['data_channel.resp_h'], '10.0.0.1');
  assert.equal(ftp[0]!['data_channel.resp_p'], 156 * 256 + 64);
  const data = fakeConn(out, 'tcp', '192.0.2.1', 20, '10.0.0.1', 156 * 256 + 64, ctl.t);
  const d = factory(data)!;
  d.deliverStream!(true, Buffer.from('listing'));
  d.done!();
  assert.deepEqual(data.services, ['ftp-data']);
  assert.equal(rows(out, 'files')[0]!.is_orig, true);
});

test('SMTP: one row per message with headers and the last reply; AUTH failures alone write none', () => {
  const out: Out = [];
  const factory = createAnalyzerFactory();
  const c = fakeConn(out, 'tcp', '10.0.0.1', 40000, '192.0.2.25', 25);
  const a = factory(c)!;
  session(a, c, [
    [false, '220 mx.example.com ESMTP'],
    [true, 'EHLO client.example.org'],
    [false, '250-mx.example.com'],
    [false, '250 AUTH LOGIN PLAIN'],
    [true, 'AUTH LOGIN'],
    [false, '334 VXNlcm5hbWU6'],
    [true, 'dXNlcg=='],
    [false, '535 5.7.8 Error: bad SMTP-AUTH user'],
    [true, 'MAIL FROM:<alice@example.org> SIZE=100'],
    [false, '250 2.1.0 Ok'],
    [true, 'RCPT TO:<bob@example.com>'],
    [false, '250 2.1.5 Ok'],
    [true, 'DATA'],
    [false, '354 End data with <CR><LF>.<CR><LF>'],
    [true, 'Received: from client.example.org ([198.51.100.7])'],
    [true, '\tby mx.example.com'],
    [true, 'From: Alice <alice@example.org>'],
    [true, 'To: Bob <bob@example.com>, carol@example.com'],
    [true, 'Subject: hello'],
    [true, 'X-Mailer: TestMailer 1.0'],
    [true, ''],
    [true, 'Subject: not a header (body)'],
    [true, '.'],
    [false, '250 2.0.0 Ok: queued as 12345'],
    [true, 'QUIT'],
    [false, '221 2.0.0 Bye'],
  ]);
  a.done!();
  assert.deepEqual(c.services, ['smtp']);
  const smtp = rows(out, 'smtp');
  assert.equal(smtp.length, 1);
  const r = smtp[0]!;
  assert.equal(r.trans_depth, 1);
  assert.equal(r.helo, 'client.example.org');
  assert.equal(r.mailfrom, 'alice@example.org');
  assert.deepEqual(r.rcptto, ['bob@example.com']);
  assert.equal(r.from, 'Alice <alice@example.org>');
  assert.deepEqual(r.to, ['Bob <bob@example.com>', 'carol@example.com']);
  assert.equal(r.subject, 'hello');
  assert.equal(r.user_agent, 'TestMailer 1.0');
  assert.equal(r.first_received, 'from client.example.org ([198.51.100.7]) by mx.example.com');
  assert.deepEqual(r.path, ['192.0.2.25', '10.0.0.1', '198.51.100.7']);
  assert.equal(r.last_reply, '250 2.0.0 Ok: queued as 12345');
  assert.equal(r.tls, false);

  // a brute-force session: AUTH failures, then MAIL FROM: the row carries the failure reply
  const out2: Out = [];
  const c2 = fakeConn(out2, 'tcp', '10.0.0.2', 40000, '192.0.2.25', 25);
  const a2 = createAnalyzerFactory()(c2)!;
  session(a2, c2, [
    [false, '220 mx ESMTP'],
    [true, 'EHLO x'],
    [false, '250 mx'],
    [true, 'AUTH PLAIN AGFsaWNlAHdyb25n'],
    [false, '535 5.7.8 Error: bad SMTP-AUTH user'],
  ]);
  a2.done!();
  assert.equal(rows(out2, 'smtp').length, 0); // Zeek writes no row without client activity
  const out3: Out = [];
  const c3 = fakeConn(out3, 'tcp', '10.0.0.3', 40000, '192.0.2.25', 25);
  const a3 = createAnalyzerFactory()(c3)!;
  session(a3, c3, [
    [false, '220 mx ESMTP'],
    [true, 'EHLO x'],
    [false, '250 mx'],
    [true, 'MAIL FROM:<spam@example.net>'],
    [false, '250 Ok'],
    [true, 'AUTH PLAIN AGFsaWNlAHdyb25n'],
    [false, '535 5.7.8 Error: bad SMTP-AUTH user'],
  ]);
  a3.done!();
  assert.equal(rows(out3, 'smtp')[0]!.last_reply, '535 5.7.8 Error: bad SMTP-AUTH user');
});

test('SMTP STARTTLS hands the connection over to TLS', () => {
  const out: Out = [];
  const c = fakeConn(out, 'tcp', '10.0.0.1', 40000, '192.0.2.25', 587);
  const a = createAnalyzerFactory()(c)!;
  session(a, c, [
    [false, '220 mx ESMTP'],
    [true, 'EHLO x'],
    [false, '250 STARTTLS'],
    [true, 'STARTTLS'],
    [false, '220 Ready to start TLS'],
  ]);
  // not SMTP any more: these lines must not be read as commands
  a.deliverStream!(true, Buffer.from('MAIL FROM:<hidden@example.org>\r\n'));
  a.done!();
  const smtp = rows(out, 'smtp');
  assert.equal(smtp.length, 1);
  assert.equal(smtp[0]!.tls, true);
  assert.equal(smtp[0]!.mailfrom, undefined);
});

test('control lines are bounded: a 20 MB line without newline does not grow memory', () => {
  const out: Out = [];
  const c = fakeConn(out, 'tcp', '10.0.0.1', 40000, '192.0.2.1', 21);
  const a = createAnalyzerFactory()(c)!;
  session(a, c, [[false, '220 ready']]);
  const chunk = Buffer.alloc(1 << 20, 0x41);
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 20; i++) a.deliverStream!(true, chunk);
  assert.ok(process.memoryUsage().arrayBuffers - before < 8 << 20);
  session(a, c, [[true, ''], [false, '500 Unknown command.'], [true, 'PASV'], [false, '227 Entering Passive Mode (192,0,2,1,4,1)']]);
  assert.equal(rows(out, 'ftp').at(-1)!['data_channel.resp_p'], 1025);
});

function dhcpMessage(op: 1 | 2, xid: number, type: number, opts: Array<[number, Buffer]>, yiaddr = '0.0.0.0'): Buffer {
  const b = Buffer.alloc(240);
  b[0] = op;
  b[1] = 1;
  b[2] = 6;
  b.writeUInt32BE(xid, 4);
  Buffer.from(yiaddr.split('.').map(Number)).copy(b, 16);
  Buffer.from([0x90, 0xb1, 0x1c, 0x99, 0x49, 0x29]).copy(b, 28);
  b.writeUInt32BE(0x63825363, 236);
  const o: number[] = [53, 1, type];
  for (const [code, v] of opts) o.push(code, v.length, ...v);
  o.push(255);
  return Buffer.concat([b, Buffer.from(o)]);
}

test('DHCP: one transaction across connections is one row; quiet transactions are written', () => {
  const out: Out = [];
  const factory = createAnalyzerFactory();
  const bcast = fakeConn(out, 'udp', '0.0.0.0', 68, '255.255.255.255', 67, 1000);
  const reply = fakeConn(out, 'udp', '192.0.2.67', 67, '255.255.255.255', 68, 1000);
  const a1 = factory(bcast)!;
  const a2 = factory(reply)!;
  a1.deliverPacket!(true, dhcpMessage(1, 7, 1, [[12, Buffer.from('host1')]]), 1000);
  reply.t = 1000.5;
  a2.deliverPacket!(true, dhcpMessage(2, 7, 2, [[51, Buffer.from([0, 0, 0x0e, 0x10])], [15, Buffer.from('example.org')]], '192.0.2.50'), 1000.5);
  bcast.t = 1001;
  a1.deliverPacket!(true, dhcpMessage(1, 7, 3, [[50, Buffer.from([192, 0, 2, 50])]]), 1001);
  reply.t = 1001.2;
  a2.deliverPacket!(true, dhcpMessage(2, 7, 5, [[51, Buffer.from([0, 0, 0x0e, 0x10])]], '192.0.2.50'), 1001.2);
  // another transaction 20 s later: the first one has gone quiet and is written then
  bcast.t = 1021;
  a1.deliverPacket!(true, dhcpMessage(1, 8, 7, []), 1021);
  let dhcp = rows(out, 'dhcp');
  assert.equal(dhcp.length, 1);
  assert.deepEqual(dhcp[0], {
    ts: 1000,
    uids: [bcast.uid, reply.uid],
    client_addr: '192.0.2.50',
    server_addr: '192.0.2.67',
    mac: '90:b1:1c:99:49:29',
    host_name: 'host1',
    domain: 'example.org',
    requested_addr: '192.0.2.50',
    assigned_addr: '192.0.2.50',
    lease_time: 3600,
    msg_types: ['DISCOVER', 'OFFER', 'REQUEST', 'ACK'],
    duration: 1.2000000000000455,
  });
  a1.done!();
  assert.equal(rows(out, 'dhcp').length, 1); // the reply connection still lives
  a2.done!();
  dhcp = rows(out, 'dhcp');
  assert.equal(dhcp.length, 2);
  assert.deepEqual(dhcp[1]!.msg_types, ['RELEASE']);
  assert.deepEqual(bcast.services, ['dhcp']);
});
