// Hostile or broken captures: impossible timestamps, link types the engine cannot decode, corrupt
// records and a stop in the middle of a record. Each problem is reported with its position and
// the run goes on; no log ever carries an impossible time. Every capture is generated here.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import fc from 'fast-check';
import { CaptureReader } from '../../src/capture/pcap-reader.js';
import { PLAUSIBLE_PACKET_TIME } from '../../src/capture/time-bounds.js';
import { PcapReader } from '../../src/input/pcap.js';
import { runSlips, tempDir } from '../helpers/run.js';
import { ether, ipv4, l4, pcapFile, pcapHeader, pcapngFile, pcapRecord, type Frame, type NgFrame } from './synth.js';

const T0 = 1_700_000_000;

function udp(i: number): Buffer {
  return ether(ipv4('10.0.0.1', '10.0.0.2', 17, l4(17, '10.0.0.1', '10.0.0.2', 4000 + i, 53, Buffer.from('q' + i))));
}

interface Read { ts: number[]; errors: string[]; notices: string[]; reader: CaptureReader }

function read(buf: Buffer, chunk = 13): Read {
  const out: Read = { ts: [], errors: [], notices: [], reader: null as unknown as CaptureReader };
  const r = new CaptureReader((_l, ts) => out.ts.push(ts), (m) => out.errors.push(m), (m) => out.notices.push(m));
  out.reader = r;
  for (let i = 0; i < buf.length; i += chunk) r.push(buf.subarray(i, i + chunk));
  r.end();
  return out;
}

/** Byte offset of each EPB of a pcapng file written by `pcapngFile` (block type 6). */
function epbOffsets(buf: Buffer): number[] {
  const offs: number[] = [];
  for (let o = 0; o + 8 <= buf.length; o += buf.readUInt32LE(o + 4)) if (buf.readUInt32LE(o) === 6) offs.push(o);
  return offs;
}

test('pcapng if_tsresol=1: a microsecond count read as tenths of seconds is impossible, reported with its position, skipped', () => {
  // Interface 0 is sane; interface 1 declares tsresol 1 (10 units/s) but its packet holds a
  // microsecond count of 2023, which makes a time ~5,000 years ahead.
  const frames: NgFrame[] = [
    { ts: T0, data: udp(0) },
    { ts: T0 + 1, data: udp(1), ifId: 1, rawTs: BigInt(T0) * 1_000_000n },
    { ts: T0 + 2, data: udp(2) },
  ];
  const buf = pcapngFile([{ linkType: 1 }, { linkType: 1, tsresol: 1 }], frames);
  const r = read(buf);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.ts, [T0, T0 + 2]);
  assert.equal(r.notices.length, 1);
  const at = epbOffsets(buf)[1]!;
  assert.match(r.notices[0]!, new RegExp(`^packet 2 at byte offset ${at}: impossible timestamp 170000000000000 \\(not between 1970-01-01 and 2100-01-01; interface 1, if_tsresol 1 \\(10 units/s\\)\\); packet skipped$`));
  assert.equal(r.reader.records, 3);
  assert.equal(r.reader.skipped, 1);
  assert.equal(r.reader.packets, 2);
});

test('pcapng if_tsoffset 2^60 seconds: every packet of that interface skipped, the others kept', () => {
  const frames: NgFrame[] = [
    { ts: T0, data: udp(0), ifId: 1 },
    { ts: T0 + 1, data: udp(1) },
    { ts: T0 + 2, data: udp(2), ifId: 1 },
  ];
  const r = read(pcapngFile([{ linkType: 1 }, { linkType: 1, tsoffset: 2n ** 60n }], frames));
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.ts, [T0 + 1]);
  assert.equal(r.notices.length, 2);
  assert.match(r.notices[0]!, /^packet 1 at byte offset \d+: impossible timestamp .*if_tsoffset 1152921504606847000 s\); packet skipped$/);
  assert.match(r.notices[1]!, /^packet 3 at /);
});

test('pcapng if_tsoffset is signed: a negative offset that lands before 1970 is skipped', () => {
  const r = read(pcapngFile([{ linkType: 1, tsoffset: -2n * BigInt(T0) }], [{ ts: T0, data: udp(0) }]));
  assert.deepEqual(r.ts, []);
  assert.match(r.notices[0]!, /impossible timestamp -1700000000 .*if_tsoffset -3400000000 s/);
  // A negative offset that keeps the time sane is applied, as libpcap does.
  const ok = read(pcapngFile([{ linkType: 1, tsoffset: -1000n }], [{ ts: T0, data: udp(0) }]));
  assert.deepEqual(ok.ts, [T0 - 1000]);
});

test('classic pcap: a second count past 2100 is skipped with the packet number and byte offset', () => {
  const good: Frame = { ts: T0, data: udp(0) };
  const late: Frame = { ts: 0xffff_fff0, data: udp(1) }; // 2106-02-07
  const buf = pcapFile([good, late, { ts: T0 + 1, data: udp(2) }]);
  const r = read(buf);
  assert.deepEqual(r.ts, [T0, T0 + 1]);
  assert.deepEqual(r.notices, [`packet 2 at byte offset ${24 + 16 + good.data.length}: impossible timestamp 4294967280 (not between 1970-01-01 and 2100-01-01); packet skipped`]);
  // The bound is the one constant, not a number repeated here by chance.
  assert.ok(0xffff_fff0 >= PLAUSIBLE_PACKET_TIME.latestSeconds && T0 < PLAUSIBLE_PACKET_TIME.latestSeconds);
});

test('property: whatever if_tsresol, if_tsoffset and raw time, the reader never throws and hands on only plausible times', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 255 }),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    (tsresol, tsoffset, rawTs) => {
      const buf = pcapngFile([{ linkType: 1, tsresol, tsoffset }], [{ ts: 0, data: udp(0), rawTs }, { ts: 0, data: udp(1), rawTs: 0n }]);
      const r = read(buf, 64);
      assert.deepEqual(r.errors, []);
      assert.equal(r.ts.length + r.notices.length, 2);
      for (const ts of r.ts) assert.ok(ts >= PLAUSIBLE_PACKET_TIME.earliestSeconds && ts < PLAUSIBLE_PACKET_TIME.latestSeconds, String(ts));
    },
  ), { numRuns: 300 });
});

test('an unsupported link type is named once, however many packets and interfaces carry it', () => {
  const frames = [0, 1, 2].map((i) => ({ ts: T0 + i, data: udp(i) }));
  const pcap = read(pcapFile(frames, { linkType: 147 }));
  assert.deepEqual(pcap.notices, ['unsupported link type 147 (LINKTYPE_USER0): its packets cannot be decoded and are not analysed']);
  const ng = read(pcapngFile([{ linkType: 195 }, { linkType: 195 }, { linkType: 1 }], frames.map((f, i) => ({ ...f, ifId: i }))));
  assert.deepEqual(ng.notices, ['unsupported link type 195 (LINKTYPE_IEEE802_15_4_WITHFCS): its packets cannot be decoded and are not analysed']);
  assert.deepEqual(read(pcapFile(frames, { linkType: 1 })).notices, []);
});

test('a corrupt record and a truncated one are reported with their packet number and byte offset', () => {
  const frames = [0, 1, 2].map((i) => ({ ts: T0 + i, data: udp(i) }));
  const recs = frames.map((f) => pcapRecord(f));
  const third = 24 + recs[0]!.length + recs[1]!.length;
  const corrupt = Buffer.concat([pcapHeader(), ...recs]);
  corrupt.writeUInt32LE(0x7fff_ffff, third + 8); // caplen of packet 3
  const c = read(corrupt);
  assert.equal(c.ts.length, 2);
  assert.deepEqual(c.errors, [`packet 3 at byte offset ${third}: corrupt pcap record: caplen 2147483647`]);
  const truncated = Buffer.concat([pcapHeader(), ...recs]).subarray(0, third + 20);
  assert.deepEqual(read(truncated).errors, [`packet 3 at byte offset ${third}: truncated capture: 20 trailing bytes do not form a complete record`]);
  const ng = pcapngFile([{ linkType: 1 }], frames);
  const second = epbOffsets(ng)[1]!;
  const badNg = Buffer.from(ng);
  badNg.writeUInt32LE(13, second + 4); // a block length that is not a multiple of 4
  assert.deepEqual(read(badNg).errors, [`packet 2 at byte offset ${second}: corrupt pcapng block length 13`]);
});

test('a stop in the middle of a record is not a truncated capture; the end of input there is', async () => {
  const buf = pcapFile([0, 1, 2, 3].map((i) => ({ ts: T0 + i, data: udp(i) })));
  const cut = buf.length - 10; // the first chunk ends inside the last record
  const run = async (stopAfterFirstChunk: boolean): Promise<string[]> => {
    const errors: string[] = [];
    const ac = new AbortController();
    async function* chunks(): AsyncGenerator<Buffer> {
      yield buf.subarray(0, cut);
      if (stopAfterFirstChunk) ac.abort();
      else yield Buffer.alloc(0);
    }
    const reader = new PcapReader(Readable.from(chunks()), 'x.pcap', { inputError: (_f, _l, m) => errors.push(m) },
      { zeekDir: null, engine: { preset: 'slips' }, analyzers: null, iface: '' });
    await reader.run(() => {}, ac.signal);
    assert.equal(reader.packets, 3);
    return errors;
  };
  assert.deepEqual(await run(true), []);
  const unstopped = await run(false);
  assert.equal(unstopped.length, 1);
  assert.match(unstopped[0]!, /^packet 4 at byte offset \d+: truncated capture/);
});

function badCapture(): Buffer {
  // Packet 2 is stamped 2^62 microseconds (146,000 years) after the epoch; packets 1 and 3 are
  // two real DNS-port datagrams.
  return pcapngFile([{ linkType: 1 }], [
    { ts: T0, data: udp(0) },
    { ts: 0, data: udp(1), rawTs: 2n ** 62n },
    { ts: T0 + 1, data: udp(2) },
  ]);
}

function timeColumn(log: string): number[] {
  return log.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => Number(l.split('\t')[0]));
}

test('slips zeek -r: the impossible packet is named on stderr with file and number, and no log carries its time', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'slips-badts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'bad.pcapng');
  writeFileSync(file, badCapture());
  const r = runSlips(['zeek', '-r', file, '-o', join(dir, 'out'), '--flat']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`^slips zeek: ${file}: packet 2 at byte offset \\d+: impossible timestamp .*; packet skipped$`, 'm'));
  assert.match(r.stderr, /1 packets skipped for an impossible timestamp/);
  const ts = timeColumn(readFileSync(join(dir, 'out', 'conn.log'), 'utf8'));
  assert.equal(ts.length, 2);
  for (const v of ts) assert.ok(v >= T0 && v <= T0 + 1, String(v));
});

test('slips -f on such a capture: errors.log names file and packet, the other packets become flows, exit 0', (t) => {
  const dir = tempDir('slips-badts-run-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'bad.pcapng');
  writeFileSync(file, badCapture());
  const out = join(dir, 'out');
  const r = runSlips(['-f', file, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const errorsLog = readFileSync(join(out, 'errors.log'), 'utf8');
  assert.match(errorsLog, new RegExp(`${file.replace(/[.]/g, '\\.')}: packet 2 at byte offset \\d+: impossible timestamp`));
  const ts = timeColumn(readFileSync(join(out, 'zeek_files', 'conn.log'), 'utf8'));
  assert.equal(ts.length, 2);
  for (const v of ts) assert.ok(v >= T0 && v <= T0 + 1, String(v));
});
