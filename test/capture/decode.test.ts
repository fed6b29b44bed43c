import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeLink, formatIPv6, newLayer2Info, parseAddress } from '../../src/capture/decode.js';
import { PacketEngine } from '../../src/capture/engine.js';
import { ether, ipv4, l4 } from './synth.js';

function run(frames: Array<{ ts: number; data: Buffer; linkType?: number }>, opts = {}): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const e = new PacketEngine({ preset: 'zeek', ...opts }, (log, rec) => {
    if (log === 'conn') out.push(rec);
  });
  for (const f of frames) e.feedPacket(f.linkType ?? 1, f.ts, f.data);
  e.flush();
  return out;
}

const udpPayload = (): Buffer => l4(17, '10.0.0.1', '10.0.0.2', 5555, 53, Buffer.from('hello'));

test('802.1Q VLAN and QinQ frames decode to the same flow', () => {
  const l2 = newLayer2Info();
  const single = ether(ipv4('10.0.0.1', '10.0.0.2', 17, udpPayload()), 0x0800, [100]);
  assert.ok(decodeLink(1, single, l2));
  assert.equal(l2.vlan, 100);
  assert.equal(l2.l3Off, 18);
  const qinq = ether(ipv4('10.0.0.1', '10.0.0.2', 17, udpPayload()), 0x0800, [10, 20]);
  assert.ok(decodeLink(1, qinq, l2));
  assert.equal(l2.vlan, 10);
  assert.equal(l2.innerVlan, 20);
  assert.equal(l2.l3Off, 22);
  const conns = run([
    { ts: 1, data: single },
    { ts: 2, data: qinq },
  ]);
  // VLAN is not part of Zeek's connection key.
  assert.equal(conns.length, 1);
  assert.equal(conns[0]!['orig_pkts'], 2);
});

test('IPv4 fragments are reassembled into one packet with the full length', () => {
  const payload = l4(17, '10.0.0.1', '10.0.0.2', 5555, 9999, Buffer.alloc(3000, 0x61));
  const frags: Buffer[] = [];
  for (let off = 0; off < payload.length; off += 1480) {
    const part = payload.subarray(off, off + 1480);
    frags.push(ether(ipv4('10.0.0.1', '10.0.0.2', 17, part, { id: 77, fragOffset: off, mf: off + 1480 < payload.length })));
  }
  // Deliver out of order.
  const conns = run([
    { ts: 1, data: frags[2]! },
    { ts: 1.1, data: frags[0]! },
    { ts: 1.2, data: frags[1]! },
  ]);
  assert.equal(conns.length, 1);
  assert.equal(conns[0]!['orig_pkts'], 1);
  assert.equal(conns[0]!['orig_ip_bytes'], 20 + payload.length);
});

test('an incomplete fragment set never reaches the connection', () => {
  const payload = l4(17, '10.0.0.1', '10.0.0.2', 5555, 9999, Buffer.alloc(3000));
  const first = ether(ipv4('10.0.0.1', '10.0.0.2', 17, payload.subarray(0, 1480), { id: 5, mf: true }));
  assert.equal(run([{ ts: 1, data: first }]).length, 0);
});

test('IPv6 addresses are printed like inet_ntop', () => {
  const fmt = (s: string): string => formatIPv6(Buffer.from(parseAddress(s)!), 0);
  assert.equal(fmt('fe80:0:0:0:217:f2ff:fed7:cf65'), 'fe80::217:f2ff:fed7:cf65');
  assert.equal(fmt('1234:0:0:0:0:0:0:0'), '1234::');
  assert.equal(fmt('0:0:0:0:0:0:0:0'), '::');
  assert.equal(fmt('2001:0:4137:9e50:8000:f12a:b9c8:2815'), '2001:0:4137:9e50:8000:f12a:b9c8:2815');
  assert.equal(fmt('ff02:0:0:0:0:1:ff00:3'), 'ff02::1:ff00:3');
  assert.equal(fmt('::ffff:10.1.2.3'), '::ffff:10.1.2.3');
});

test('TCP handshake, data and FINs give SF with sizes from sequence numbers', () => {
  const c = '10.1.1.1';
  const s = '10.2.2.2';
  const mk = (fromC: boolean, seq: number, ack: number, flags: number, payload = Buffer.alloc(0)): Buffer =>
    ether(ipv4(fromC ? c : s, fromC ? s : c, 6, l4(6, fromC ? c : s, fromC ? s : c, fromC ? 40000 : 80, fromC ? 80 : 40000, payload, { seq, ack, flags })));
  const conns = run([
    { ts: 10, data: mk(true, 100, 0, 0x02) },
    { ts: 10.1, data: mk(false, 900, 101, 0x12) },
    { ts: 10.2, data: mk(true, 101, 901, 0x10) },
    { ts: 10.3, data: mk(true, 101, 901, 0x18, Buffer.alloc(10)) },
    { ts: 10.4, data: mk(false, 901, 111, 0x18, Buffer.alloc(20)) },
    { ts: 10.5, data: mk(true, 111, 921, 0x11) },
    { ts: 10.6, data: mk(false, 921, 112, 0x11) },
    { ts: 10.7, data: mk(true, 112, 922, 0x10) },
  ]);
  assert.equal(conns.length, 1);
  const r = conns[0]!;
  assert.equal(r['conn_state'], 'SF');
  assert.equal(r['history'], 'ShADdFf'); // the server never sends a pure ACK
  assert.equal(r['orig_bytes'], 10);
  assert.equal(r['resp_bytes'], 20);
  assert.equal(r['orig_pkts'], 5);
  assert.equal(r['resp_pkts'], 3);
  assert.ok(Math.abs((r['duration'] as number) - 0.6) < 1e-9, 'duration stops when both sides closed');
});

test('uids are deterministic for a seed', () => {
  const f = [{ ts: 1, data: ether(ipv4('10.0.0.1', '10.0.0.2', 17, udpPayload())) }];
  const a = run(f, { uidSeed: 42 })[0]!['uid'];
  const b = run(f, { uidSeed: 42 })[0]!['uid'];
  const c = run(f, { uidSeed: 43 })[0]!['uid'];
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.match(String(a), /^C[0-9A-Za-z]{10,}$/);
});
