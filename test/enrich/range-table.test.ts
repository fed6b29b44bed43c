import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildRangeTable, deserializeRangeTable, flattenRanges, RangeDatabase, RangeIndex, serializeRangeTable,
  type PayloadParser } from '../../src/enrich/range-table.js';
import { ReferenceData } from '../../src/enrich/reference.js';

const reference = ReferenceData.load();

const num: PayloadParser = (p) => (/^\d+$/.test(p) ? [Number(p)] : null);

test('flattening: nested ranges win over their part of the outer one, partial overlaps go to the later range', () => {
  const out: string[] = [];
  flattenRanges([
    { start: 0n, end: 99n, values: [1] },
    { start: 10n, end: 19n, values: [2] },
    { start: 12n, end: 13n, values: [3] },
    { start: 50n, end: 120n, values: [4] }, // partly overlaps the first
    { start: 200n, end: 210n, values: [5] },
  ], (s, e, v) => out.push(`${s}-${e}:${v[0]}`));
  assert.deepEqual(out, ['0-9:1', '10-11:2', '12-13:3', '14-19:2', '20-49:1', '50-120:4', '200-210:5']);
});

test('IPv4 lookups across the 16-bit buckets agree with a linear scan', () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0x3ffff })), { maxLength: 60 }),
    fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 40 }),
    (spans, probes) => {
      const rows = spans.map(([s, len], i) => `${s},${Math.min(0xffffffff, s + len)},${i}`).sort((a, b) => Number(a.split(',')[0]) - Number(b.split(',')[0]));
      const t = buildRangeTable(rows.join('\n'), '', 1, num);
      const idx = new RangeIndex(t);
      const starts = [...t.v4Start], ends = [...t.v4End];
      for (let i = 1; i < starts.length; i++) assert.ok(starts[i]! > ends[i - 1]!, 'segments overlap');
      // Also probe the edges of every segment.
      for (const p of [...probes, ...starts, ...ends, ...starts.map((s) => Math.max(0, s - 1)), ...ends.map((e) => Math.min(0xffffffff, e + 1))]) {
        const linear = starts.findIndex((s, i) => s <= p && p <= ends[i]!);
        assert.equal(idx.findV4(p), linear, `probe ${p}`);
      }
    }), { numRuns: 200 });
});

test('table round trip through its binary form; damaged or foreign data is refused', () => {
  const t = buildRangeTable('0,255,7\n4294967040,4294967295,9\n', '42540766411282592856903984951653826560,42540766490510755371168322545197776895,3\n', 1, num, 'v1');
  const back = deserializeRangeTable(serializeRangeTable(t))!;
  assert.equal(back.version, 'v1');
  const db = new RangeDatabase(back, (cols, row) => cols[0]![row]!);
  assert.equal(db.lookup('0.0.0.200'), 7);
  assert.equal(db.lookup('255.255.255.255'), 9);
  assert.equal(db.lookup('1.0.0.0'), null);
  assert.equal(db.lookup('2001:db8::1'), 3);
  assert.equal(db.lookup('2001:db9::1'), null);
  assert.equal(db.lookup('not an address'), null);
  const buf = serializeRangeTable(t);
  assert.equal(deserializeRangeTable(buf.subarray(0, buf.length - 1)), null);
  assert.equal(deserializeRangeTable(Buffer.from('not a table at all, just some text')), null);
});

test('shipped country table: IPv4, IPv6, nested ranges of the source data', () => {
  assert.deepEqual(reference.country('147.32.80.9'), { code: 'CZ', name: 'Czechia' });
  // 13.128.240.0-13.128.247.255 (MX) is nested in a larger US block in the source CSV.
  assert.equal(reference.country('13.128.245.230')?.code, 'MX');
  assert.equal(reference.country('13.128.200.1')?.code, 'US');
  assert.equal(reference.country('2001:718::1')?.code, 'CZ');
  assert.equal(reference.country('192.168.1.1'), null);
});

test('large tables (bucket index) and small ones (whole search) give the same answers', () => {
  const rows: string[] = [];
  let start = 1000;
  for (let i = 0; i < 20_000; i++) { // ~20k ranges spread over the whole IPv4 space, with gaps
    const len = (i * 7919) % 150_000;
    rows.push(`${start},${start + len},${i}`);
    start += len + 1 + ((i * 104729) % 60_000);
  }
  const big = new RangeIndex(buildRangeTable(rows.join('\n'), '', 1, num));
  const starts = big.table.v4Start, ends = big.table.v4End;
  const reference = (p: number): number => {
    let lo = 0, hi = starts.length - 1, f = -1;
    while (lo <= hi) { const mid = (lo + hi) >>> 1; if (starts[mid]! <= p) { f = mid; lo = mid + 1; } else hi = mid - 1; }
    return f >= 0 && ends[f]! >= p ? f : -1;
  };
  for (let k = 0; k < 20_000; k++) {
    const p = (Math.imul(k, 0x9e3779b1) >>> 0) % (start + 1000);
    assert.equal(big.findV4(p), reference(p), `probe ${p}`);
    const i = k % starts.length;
    assert.equal(big.findV4(starts[i]!), i);
    assert.equal(big.findV4(ends[i]!), i);
  }
});
