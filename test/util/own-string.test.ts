import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ownString } from '../../src/util/own-string.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap kept alive by 40 fields cut from 1 MiB lines, stored raw or through ownString. */
function retainedMB(copy: boolean): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept: string[] = [];
  for (let i = 0; i < 40; i++) {
    const line = `${'x'.repeat(1 << 20)}\t192.168.100.${i}\tend`;
    const field = line.split('\t')[1]!;
    kept.push(copy ? ownString(field) : field);
  }
  gc();
  const mb = (process.memoryUsage().heapUsed - before) / 1048576;
  assert.equal(kept[7], '192.168.100.7');
  return mb;
}

test('ownString keeps a field without the log line it was cut from', () => {
  assert.ok(retainedMB(false) > 30, 'a raw field should pin its line (else this test proves nothing)');
  assert.ok(retainedMB(true) < 5);
  assert.equal(ownString('short'), 'short');
});
