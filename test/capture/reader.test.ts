import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { analysePcap } from '../../src/capture/engine.js';
import { CaptureReader } from '../../src/capture/pcap-reader.js';
import { ether, ipv4, l4, pcapFile, pcapngFile, type Frame } from './synth.js';

function frames(): Frame[] {
  const udp = (i: number): Buffer => ether(ipv4('10.0.0.1', '10.0.0.2', 17, l4(17, '10.0.0.1', '10.0.0.2', 4000 + i, 53, Buffer.from('q' + i))));
  return [
    { ts: 1700000000.123456, data: udp(0) },
    { ts: 1700000001.5, data: udp(1) },
    { ts: 1700000002.000001, data: udp(2) },
  ];
}

function readAll(buf: Buffer, chunk = 7): { got: Array<{ linkType: number; ts: number; len: number; origLen: number }>; errors: string[] } {
  const got: Array<{ linkType: number; ts: number; len: number; origLen: number }> = [];
  const errors: string[] = [];
  const r = new CaptureReader(
    (linkType, ts, data, origLen) => got.push({ linkType, ts, len: data.length, origLen }),
    (m) => errors.push(m),
  );
  // Feed in awkward chunk sizes to exercise records split across chunks.
  for (let i = 0; i < buf.length; i += chunk) r.push(buf.subarray(i, i + chunk));
  r.end();
  return { got, errors };
}

for (const bigEndian of [false, true]) {
  for (const nanos of [false, true]) {
    test(`classic pcap ${bigEndian ? 'big' : 'little'}-endian ${nanos ? 'ns' : 'us'}`, () => {
      const f = frames();
      const { got, errors } = readAll(pcapFile(f, { bigEndian, nanos }));
      assert.deepEqual(errors, []);
      assert.equal(got.length, 3);
      for (const [i, g] of got.entries()) {
        assert.equal(g.linkType, 1);
        assert.equal(g.len, f[i]!.data.length);
        assert.ok(Math.abs(g.ts - f[i]!.ts) < 1e-6, `ts ${g.ts} vs ${f[i]!.ts}`);
      }
    });
  }
}

test('truncated final pcap record: packets before it are kept, error reported', () => {
  const buf = pcapFile(frames());
  const { got, errors } = readAll(buf.subarray(0, buf.length - 5), 1000);
  assert.equal(got.length, 2);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /truncated/);
});

test('truncated file header and empty input are errors', () => {
  assert.equal(readAll(pcapFile([]).subarray(0, 10)).errors.length, 1);
  assert.equal(readAll(Buffer.alloc(0)).errors.length, 1);
  assert.match(readAll(Buffer.from('not a capture file')).errors[0]!, /unknown capture file format/);
});

for (const bigEndian of [false, true]) {
  test(`pcapng ${bigEndian ? 'big' : 'little'}-endian, two interfaces with different link types and resolutions`, () => {
    const f = frames();
    const raw = f[1]!.data.subarray(14); // the IP packet for a raw-IP interface
    const buf = pcapngFile(
      [{ linkType: 1 }, { linkType: 101, tsresol: 9 }],
      [
        { ...f[0]!, ifId: 0 },
        { ts: f[1]!.ts, data: raw, ifId: 1 },
        { ...f[2]!, ifId: 0 },
      ],
      bigEndian,
    );
    const { got, errors } = readAll(buf, 13);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      got.map((g) => g.linkType),
      [1, 101, 1],
    );
    assert.ok(Math.abs(got[1]!.ts - f[1]!.ts) < 1e-6);
    assert.ok(Math.abs(got[2]!.ts - f[2]!.ts) < 1e-6);
  });
}

test('truncated pcapng block is reported, earlier packets kept', () => {
  const buf = pcapngFile([{ linkType: 1 }], frames());
  const { got, errors } = readAll(buf.subarray(0, buf.length - 3), 64);
  assert.equal(got.length, 2);
  assert.equal(errors.length, 1);
});

test('analysePcap reads from a stream (stdin-like) and logs connections', async () => {
  const buf = pcapFile(frames());
  const logs: string[] = [];
  const res = await analysePcap(Readable.from([buf.subarray(0, 50), buf.subarray(50)]), { preset: 'zeek' }, (log) => logs.push(log));
  assert.equal(res.packets, 3);
  assert.equal(logs.filter((l) => l === 'conn').length, 3);
});
