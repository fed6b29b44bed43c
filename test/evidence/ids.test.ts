import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdGenerator } from '../../src/evidence/ids.js';

test('evidence ids: UUIDv4-shaped, the same on every run, unique, different per input', () => {
  const a = new IdGenerator('test9'), b = new IdGenerator('test9'), c = new IdGenerator('test10');
  const seen = new Set<string>();
  for (let i = 0; i < 200_000; i++) {
    const id = a.next();
    assert.equal(id, b.next());
    if (i < 1000) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    seen.add(id);
  }
  assert.equal(seen.size, 200_000);
  assert.notEqual(new IdGenerator('test9').next(), c.next());
});
