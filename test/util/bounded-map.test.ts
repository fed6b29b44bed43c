import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BoundedMap } from '../../src/util/bounded-map.js';

test('bounded map forgets the oldest key first, updates keep the place', () => {
  const m = new BoundedMap<string, number>(3);
  m.set('a', 1).set('b', 2).set('c', 3);
  m.set('a', 10); // update: no eviction, keeps its place
  assert.deepEqual([...m.keys()], ['a', 'b', 'c']);
  m.set('d', 4);
  assert.deepEqual([...m.entries()], [['b', 2], ['c', 3], ['d', 4]]);
  m.delete('c');
  m.set('e', 5).set('f', 6); // e fills the hole, f evicts b
  assert.deepEqual([...m.keys()], ['d', 'e', 'f']);
  assert.equal(m.get('b'), undefined);
  assert.throws(() => new BoundedMap(0), /at least 1/);
});

test('bounded map behaves like a Map with first-in-first-out eviction (model check), queue stays bounded', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 30 }) }),
    fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 30 }) }),
  );
  fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 300 }), (limit, ops) => {
    const m = new BoundedMap<number, number>(limit);
    const model = new Map<number, number>();
    ops.forEach(({ kind, key }, i) => {
      if (kind === 'delete') { assert.equal(m.delete(key), model.delete(key)); return; }
      if (!model.has(key) && model.size >= limit) model.delete(model.keys().next().value!);
      model.set(key, i);
      m.set(key, i);
      assert.ok(m.size <= limit);
    });
    // Deleting and re-adding a key may forget it early; every key kept must carry the model's value.
    for (const [k, v] of m) assert.equal(model.get(k), v);
    if (!ops.some((o) => o.kind === 'delete')) assert.deepEqual([...m.entries()], [...model.entries()]);
  }), { numRuns: 300 });
});

test('bounded map: many deletes without evictions do not grow its memory without bound', () => {
  const m = new BoundedMap<number, number>(100);
  for (let i = 0; i < 1_000_000; i++) { m.set(i, i); if (i % 2 === 0) m.delete(i); if (m.size > 50) m.delete([...m.keys()][0]!); }
  assert.ok((m as unknown as { queue: number[] }).queue.length < 2 * 100 + 1024 + 1);
});
