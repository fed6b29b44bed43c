import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Scheduler } from '../../src/util/scheduler.ts';

test('scheduler releases in due order, ties in push order, whatever the arrival order', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('push' as const), at: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 5 })) }),
    fc.record({ kind: fc.constant('due' as const), at: fc.integer({ min: 0, max: 60 }) }),
    fc.record({ kind: fc.constant('oldest' as const), at: fc.constant(0) }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
    const s = new Scheduler<number>();
    const model: { at: number; id: number }[] = [];
    const got: number[] = [], want: number[] = [];
    const takeModel = (): void => {
      let best = 0;
      for (let i = 1; i < model.length; i++) if (model[i]!.at < model[best]!.at) best = i; // first of the earliest = push order
      want.push(model.splice(best, 1)[0]!.id);
    };
    ops.forEach((o, id) => {
      if (o.kind === 'push') { s.push(o.at, id); model.push({ at: o.at, id }); }
      else if (o.kind === 'due') {
        s.runDue(o.at, (x) => got.push(x));
        while (model.some((m) => m.at <= o.at)) takeModel();
      } else {
        s.runOldest((x) => got.push(x));
        if (model.length) takeModel();
      }
      assert.equal(s.size, model.length);
    });
    s.runAll((x) => got.push(x));
    while (model.length) takeModel();
    assert.deepEqual(got, want);
  }), { numRuns: 500 });
});

test('scheduler: long runs in time order with a few late items', () => {
  const s = new Scheduler<number>();
  const out: number[] = [];
  for (let i = 0; i < 100_000; i++) {
    s.push(i % 1000 === 999 ? i - 5000 : i, i); // every 1000th item is due 5000 earlier (a long connection)
    if (i % 100 === 0) s.runDue(i - 100, (x) => out.push(x));
  }
  s.runAll((x) => out.push(x));
  assert.equal(out.length, 100_000);
  const due = (i: number): number => (i % 1000 === 999 ? i - 5000 : i);
  for (let k = 1; k < out.length; k++) {
    // Released in due order except items that were already late when pushed (released at once when due passed).
    if (due(out[k]!) < due(out[k - 1]!)) assert.ok(out[k]! % 1000 === 999 || out[k - 1]! % 1000 === 999);
  }
});
