// The template module's test, to copy with it: hand-made flows through feed() (the run's real
// profiler first, as the pipeline does) and assertions on the evidence filed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateDetector, THRESHOLD } from '../../../src/detect/template/index.ts';
import { conn, detectionContext } from '../../helpers/flows.ts';
import { feed } from '../flow_alerts/records.ts';

test(`${THRESHOLD} established connections to one port in a window are reported once; fewer, or failed ones, are not`, () => {
  const ctx = detectionContext();
  const d = new TemplateDetector(ctx);
  const flows = (n: number, over: Parameters<typeof conn>[0] = {}) =>
    Array.from({ length: n }, (_, i) => conn({ uid: `C${i}`, starttime: 1000 + i, dport: 8443, ...over }));
  feed(ctx, [d], flows(THRESHOLD - 1));
  assert.equal(ctx.evidence.length, 0);
  feed(ctx, [d], flows(5));
  assert.equal(ctx.evidence.length, 1, 'once, not again for the next connections');
  assert.equal(ctx.evidence[0]!.description, `${THRESHOLD} established connections to port 8443/tcp in one time window (template module).`);
  assert.equal(ctx.evidence[0]!.attacker.value, '192.168.1.5');
  // Not established: not counted.
  const other = detectionContext();
  const d2 = new TemplateDetector(other);
  feed(other, [d2], flows(THRESHOLD * 2, { state: 'S0', history: 'S', dpkts: 0, dbytes: 0 }));
  assert.equal(other.evidence.length, 0);
});

test('its state is freed when the window closes: the next window counts from zero', () => {
  const ctx = detectionContext();
  const d = new TemplateDetector(ctx);
  feed(ctx, [d], Array.from({ length: THRESHOLD - 1 }, (_, i) => conn({ uid: `A${i}`, starttime: 1000 + i })));
  ctx.closeWindow([d], '192.168.1.5', 1);
  feed(ctx, [d], [conn({ uid: 'B', starttime: 1000 + 500 })]);
  assert.equal(ctx.evidence.length, 0);
});
