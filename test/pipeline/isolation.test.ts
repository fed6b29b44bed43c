// Two analyses in one process share nothing: run together, each gives exactly what it gives alone.
// (Module-level state is ruled out by scripts/check-architecture.mjs; this shows the result.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runAnalysis } from '../../src/cli/run.ts';
import { defaultRawConfig } from '../../src/config/config.ts';
import { SLIPS_DATA, tempDir, readText, query } from '../helpers/run.ts';

const analyse = (input: string) => {
  const out = tempDir();
  return runAnalysis({ input, outputDir: out, config: defaultRawConfig(), configPath: null, configText: null, command: 'isolation', quiet: true })
    .then(() => out);
};

/** What an analysis found, without wall-clock fields. */
function result(out: string): { alerts: string; evidence: unknown[]; profiles: unknown[] } {
  return {
    alerts: readText(join(out, 'alerts', 'alerts.log')).replace(/ \(real time [^)]*\)$/gm, ''),
    evidence: query(out, 'SELECT id, profileid, twid, evidence_type, description FROM evidence ORDER BY id'),
    profiles: query(out, 'SELECT profileid, flows, threat_level, info FROM profiles ORDER BY profileid'),
  };
}

test('two different analyses run concurrently in one process each give their single-run output', async () => {
  const a = join(SLIPS_DATA, 'test9-mixed-zeek-dir');
  const b = join(SLIPS_DATA, 'test8-malicious.pcap');
  const aloneA = result(await analyse(a));
  const aloneB = result(await analyse(b));
  const [togetherA, togetherB] = await Promise.all([analyse(a), analyse(b)]);
  assert.deepEqual(result(togetherA), aloneA);
  assert.deepEqual(result(togetherB), aloneB);
  assert.ok(aloneA.evidence.length > 0 && aloneB.evidence.length > 0);
});
