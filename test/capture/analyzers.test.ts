/**
 * Application analyzers on their own: hostile input (random and truncated payloads, property
 * based), memory bounds (a 100 MB HTTP body, an endless TLS handshake), and a few exact values.
 * Run: node --import tsx --test test/capture/analyzers.test.ts
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ConnectionAnalyzer } from '../../src/capture/analyzer.js';
import { fakeConnection, type FakeConn } from './fake-conn.js';
import { createAnalyzerFactory } from '../../src/capture/analyzers/index.js';
import { parseDnsMessage, readName } from '../../src/capture/analyzers/dns.js';
import { parseRequestLine } from '../../src/capture/analyzers/http.js';
import { ja3, parseClientHello } from '../../src/capture/analyzers/tls.js';

function fakeConn(proto: 'tcp' | 'udp', respP: number, origP = 40000): FakeConn {
  return fakeConnection({ proto, respP, origP });
}

function attach(proto: 'tcp' | 'udp', port: number): { conn: FakeConn; a: ConnectionAnalyzer } {
  const conn = fakeConn(proto, port);
  const a = createAnalyzerFactory()(conn);
  assert.ok(a, `an analyzer for ${proto}/${port}`);
  return { conn, a };
}

const TCP_PORTS = [80, 443, 22, 25, 21, 53, 6667];
const UDP_PORTS = [53, 5353, 137, 67, 123];

test('random payloads never throw and always end cleanly', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...TCP_PORTS),
      fc.array(fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 2000 })), { maxLength: 20 }),
      (port, chunks) => {
        const { conn, a } = attach('tcp', port);
        for (const [isOrig, bytes] of chunks) a.deliverStream!(isOrig, Buffer.from(bytes));
        a.done!();
        for (const [, rec] of conn.out) assert.equal(typeof rec, 'object');
      },
    ),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.constantFrom(...UDP_PORTS), fc.array(fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 600 })), { maxLength: 10 }), (port, dgrams) => {
      const { a } = attach('udp', port);
      for (const [isOrig, bytes] of dgrams) a.deliverPacket!(isOrig, Buffer.from(bytes), 1000);
      a.done!();
    }),
    { numRuns: 300 },
  );
});

// A real-shaped ClientHello (with GREASE in every list) and a DNS reply, cut at every length.
function clientHello(): Buffer {
  const exts: Buffer[] = [];
  const ext = (type: number, body: Buffer): void => {
    const h = Buffer.alloc(4);
    h.writeUInt16BE(type, 0);
    h.writeUInt16BE(body.length, 2);
    exts.push(h, body);
  };
  ext(0x0a0a, Buffer.alloc(0));
  const host = Buffer.from('example.org');
  const sni = Buffer.alloc(5 + host.length);
  sni.writeUInt16BE(3 + host.length, 0);
  sni[2] = 0;
  sni.writeUInt16BE(host.length, 3);
  host.copy(sni, 5);
  ext(0, sni);
  ext(10, Buffer.from([0, 6, 0x1a, 0x1a, 0, 29, 0, 23]));
  ext(11, Buffer.from([1, 0]));
  const extBytes = Buffer.concat(exts);
  const ciphers = Buffer.from([0, 6, 0x2a, 0x2a, 0x13, 0x01, 0xc0, 0x2f]);
  const body = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32, 7), Buffer.from([0]), ciphers, Buffer.from([1, 0]), Buffer.from([extBytes.length >> 8, extBytes.length & 0xff]), extBytes]);
  const hs = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 0xff]), body]);
  return Buffer.concat([Buffer.from([0x16, 3, 1, hs.length >> 8, hs.length & 0xff]), hs]);
}

test('JA3 removes GREASE from every list', () => {
  const ch = parseClientHello(clientHello().subarray(9))!;
  assert.equal(ch.sni, 'example.org');
  const expected = createHash('md5').update('771,4865-49199,0-10-11,29-23,0').digest('hex');
  assert.equal(ja3(ch), expected);
});

test('truncated ClientHello and DNS messages at every length', () => {
  const hello = clientHello();
  for (let n = 0; n <= hello.length; n++) {
    const { conn, a } = attach('tcp', 443);
    a.deliverStream!(true, hello.subarray(0, n));
    a.done!();
    const ssl = conn.out.filter(([l]) => l === 'ssl');
    // the ClientHello is only logged once it is complete
    assert.equal(ssl.length, n === hello.length ? 1 : 0, `length ${n}`);
  }
  const reply = Buffer.from(
    '12348180000100010000000003777777076578616d706c65036f72670000010001c00c000100010000012c00045db8d822',
    'hex',
  );
  const full = parseDnsMessage(reply)!;
  assert.equal(full.questions[0]!.name, 'www.example.org');
  assert.equal(full.answers[0]!.text, '93.184.216.34');
  for (let n = 0; n < reply.length; n++) {
    const m = parseDnsMessage(reply.subarray(0, n));
    if (n < 12) assert.equal(m, null);
    else assert.ok(m!.answers.length === 0 || m!.malformed === null);
  }
});

test('DNS compression loops are refused', () => {
  const loop = Buffer.from([0xc0, 0x00]);
  assert.equal(readName(loop, 0), null);
});

test('HTTP request lines as Zeek reads them', () => {
  assert.deepEqual(parseRequestLine('GET /a%21 HTTP/1.1'), { ok: true, method: 'GET', uri: '/a%21', version: '1.1', unknownMethod: false });
  assert.deepEqual(parseRequestLine('OPTIONS HTTP/1.1'), { ok: true, method: 'OPTIONS', uri: '', version: '1.1', unknownMethod: false });
  assert.deepEqual(parseRequestLine('GET /HTTP/1.1'), { ok: true, method: 'GET', uri: '/HTTP/1.1', version: '0.9', unknownMethod: false });
  assert.deepEqual(parseRequestLine('GET/ HTTP/1.1'), { ok: false, weird: 'bad_HTTP_request' });
  assert.equal((parseRequestLine('CCM_POST / HTTP/1.1') as { unknownMethod: boolean }).unknownMethod, true);
  // Zeek's HTTP_RequestLine: a method token not followed by whitespace is bad_HTTP_request, even
  // with a version at the end (Zeek's http-methods baseline has this very line).
  assert.deepEqual(parseRequestLine('CCM_POST/ HTTP/1.1'), { ok: false, weird: 'bad_HTTP_request' });
  // No token at all: _with_version only when the line ends in " HTTP/x.y" (its last 9 bytes).
  assert.deepEqual(parseRequestLine('/index.html HTTP/1.1'), { ok: false, weird: 'bad_HTTP_request_with_version' });
  assert.deepEqual(parseRequestLine('/index.html HTTP/1.1 x'), { ok: false, weird: 'bad_HTTP_request' });
  assert.deepEqual(parseRequestLine('/index.html'), { ok: false, weird: 'bad_HTTP_request' });
});

test('a 100 MB HTTP body is hashed as it streams: memory stays flat, md5 is right', () => {
  const { conn, a } = attach('tcp', 80);
  const size = 100 * 1024 * 1024;
  a.deliverStream!(true, Buffer.from('GET /big HTTP/1.1\r\nHost: x\r\n\r\n'));
  a.deliverStream!(false, Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`));
  const chunk = Buffer.alloc(65536, 0x41);
  const md5 = createHash('md5');
  global.gc?.();
  const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  let peak = 0;
  for (let sent = 0; sent < size; sent += chunk.length) {
    a.deliverStream!(false, chunk);
    md5.update(chunk);
    if ((sent & 0x3ffffff) === 0) peak = Math.max(peak, process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - before);
  }
  const http = conn.out.find(([l]) => l === 'http')![1];
  const file = conn.out.find(([l]) => l === 'files')![1];
  assert.equal(http['response_body_len'], size);
  assert.equal(file['seen_bytes'], size);
  assert.equal(file['md5'], md5.digest('hex'));
  assert.deepEqual(http['resp_mime_types'], ['text/plain']);
  assert.ok(peak < 64 * 1024 * 1024, `memory grew by ${peak} bytes`);
});

test('an endless TLS handshake message is cut at the bound', () => {
  const { conn, a } = attach('tcp', 443);
  // a handshake message announcing 16 MB, fed as 2000 full records
  const first = Buffer.concat([Buffer.from([0x16, 3, 3, 0x40, 0x00, 1, 0xff, 0xff, 0xff]), Buffer.alloc(0x4000 - 4)]);
  a.deliverStream!(true, first);
  const rec = Buffer.concat([Buffer.from([0x16, 3, 3, 0x40, 0x00]), Buffer.alloc(0x4000)]);
  for (let i = 0; i < 2000; i++) a.deliverStream!(true, rec);
  a.done!();
  assert.ok(conn.out.some(([l, r]) => l === 'weird' && r['name'] === 'SSL_handshake_too_long'));
});

test('DNS over UDP: a query and its answer make one row', () => {
  const { conn, a } = attach('udp', 53);
  const query = Buffer.from('123401000001000000000000' + '03777777076578616d706c65036f72670000010001', 'hex');
  const reply = Buffer.from(
    '12348180000100010000000003777777076578616d706c65036f72670000010001c00c000100010000012c00045db8d822',
    'hex',
  );
  a.deliverPacket!(true, query, 1000);
  conn.t = 1000.5;
  a.deliverPacket!(false, reply, 1000.5);
  a.done!();
  const rows = conn.out.filter(([l]) => l === 'dns').map(([, r]) => r);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!['query'], 'www.example.org');
  assert.equal(rows[0]!['rtt'], 0.5);
  assert.deepEqual(rows[0]!['answers'], ['93.184.216.34']);
  assert.deepEqual(rows[0]!['TTLs'], [300]);
  assert.deepEqual(conn.services, ['dns']);
});
