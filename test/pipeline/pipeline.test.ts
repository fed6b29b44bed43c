// The engine releases time-window state as traffic time moves on, so memory stays bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MemoryStore } from '../../src/store/memory.ts';
import { FlowDatabase } from '../../src/store/flow-db.ts';
import { IdGenerator } from '../../src/evidence/ids.ts';
import { deriveSettings, defaultRawConfig } from '../../src/config/config.ts';
import { composeAnalysis } from '../../src/pipeline/compose.ts';
import { conn } from '../helpers/flows.ts';
import { tempDir } from '../helpers/run.ts';
import Database from 'better-sqlite3';

test('time windows close one width after their end and their state is released', async () => {
  const settings = deriveSettings(defaultRawConfig());
  const store = new MemoryStore();
  const out = tempDir();
  const db = new FlowDatabase(join(out, 'flows.sqlite'));
  const { pipeline: engine } = await composeAnalysis({ settings, outputDir: out, sinks: [db], ids: new IdGenerator('t'), now: () => 0, store,
    log: { print: () => {}, error: () => {} },
    hooks: { announce: () => {}, detectorError: (m, w, e) => { throw new Error(`${m} ${w}: ${String(e)}`); }, sinkError: (s, e) => { throw e; } } });
  const hosts = 100, hours = 48;
  let maxOpen = 0;
  for (let h = 0; h < hours; h++) {
    for (let i = 0; i < 600; i++) {
      const host = i % hosts;
      engine.process(conn({ uid: `C${h}x${i}`, starttime: 1_000_000 + h * 3600 + i * 6, saddr: `192.168.1.${host + 1}`,
        daddr: `93.184.${host}.${i % 50}`, dport: 443, proto: 'tcp' }));
    }
    maxOpen = Math.max(maxOpen, store.openTimewindowCount);
  }
  // At most the current window, the previous one and the one in its grace width, per host.
  assert.ok(maxOpen <= hosts * 3, `open windows ${maxOpen}`);
  assert.ok(engine.stats().closedTimewindows >= hosts * (hours - 3));
  engine.finish();
  assert.equal(store.openTimewindowCount, 0);
  await db.close();
  const file = new Database(join(out, 'flows.sqlite'), { readonly: true });
  const rows = file.prepare('SELECT COUNT(*) AS n, SUM(flows) AS f FROM timewindows').get() as { n: number; f: number };
  file.close();
  assert.equal(rows.n, hosts * hours, 'every closed window is written to the timewindows table');
  assert.equal(rows.f, hosts * hours * 6);


});
