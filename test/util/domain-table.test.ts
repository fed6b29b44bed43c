import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainTable, normaliseDomain } from '../../src/util/domain-table.js';

test('domain table: exact names, closest listed parent, case and trailing dot ignored', () => {
  const t = new DomainTable<string>();
  t.set('Evil.COM.', 'evil');
  t.set('*.tracker.example', 'wild');
  t.set('b.evil.com', 'b');
  assert.equal(t.size, 3);
  assert.equal(t.get('evil.com'), 'evil');
  assert.equal(t.get('EVIL.com.'), 'evil');
  assert.equal(t.get('x.evil.com'), undefined);
  const match = (name: string): [string, boolean] | null => {
    const i = t.matchIndex(name);
    return i < 0 ? null : [t.nameAt(i), t.lastExact];
  };
  assert.deepEqual(match('evil.com'), ['evil.com', true]);
  assert.deepEqual(match('a.b.evil.com'), ['b.evil.com', false]);
  assert.deepEqual(match('A.C.EVIL.COM.'), ['evil.com', false]);
  assert.deepEqual(match('cdn.tracker.example'), ['tracker.example', false]);
  assert.equal(match('notevil.com'), null);
  assert.equal(match('com'), null);
  assert.equal(match(''), null);
  assert.equal(match('.'), null);
  // Replacing merges.
  t.set('evil.com', 'again', (a, b) => `${a}+${b}`);
  assert.equal(t.get('evil.com'), 'evil+again');
  assert.equal(t.size, 3);
});

test('domain table agrees with a map and a parent walk on random names (growth included)', () => {
  const label = fc.stringMatching(/^[a-cA-C0-9-]{1,3}$/);
  const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));
  fc.assert(fc.property(fc.array(name, { maxLength: 200 }), fc.array(name, { maxLength: 50 }), (listed, probes) => {
    const t = new DomainTable<number>();
    const m = new Map<string, number>();
    listed.forEach((d, i) => { t.set(d, i); m.set(normaliseDomain(d), i); });
    assert.equal(t.size, m.size);
    for (const p of [...probes, ...listed]) {
      const d = normaliseDomain(p);
      let want: number | undefined = m.get(d);
      for (let i = d.indexOf('.'); want === undefined && i >= 0 && i < d.length - 1; i = d.indexOf('.', i + 1)) want = m.get(d.slice(i + 1));
      const got = t.matchIndex(p);
      assert.equal(got < 0 ? undefined : t.valueAt(got), want, p);
    }
  }), { numRuns: 300 });
});

test('hash filter: never turns away a key that was added', async () => {
  const { HashFilter } = await import('../../src/util/hash-filter.js');
  fc.assert(fc.property(fc.integer({ min: 1, max: 1 << 22 }), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 500 }), (slots, hashes) => {
    const f = new HashFilter(slots);
    for (const h of hashes) f.add(h >>> 0);
    for (const h of hashes) assert.ok(f.mayHave(h >>> 0));
  }), { numRuns: 100 });
  // Sparse: most other hashes are turned away.
  const f = new HashFilter(1 << 16);
  for (let i = 0; i < 1000; i++) f.add(Math.imul(i, 0x9e3779b1) >>> 0);
  let maybe = 0;
  for (let i = 1000; i < 101000; i++) if (f.mayHave(Math.imul(i, 0x9e3779b1) >>> 0)) maybe++;
  assert.ok(maybe < 2000, `${maybe} of 100000 unknown hashes passed`);
});
