// Random bytes, truncated lines and wrong formats: every reader reports errors, never crashes,
// and never loses the good lines around the bad ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { LineFlowReader, type LineParser } from '../../src/input/line-reader.ts';
import { LineSource } from '../../src/input/lines.ts';
import { SuricataParser } from '../../src/input/suricata.ts';
import { ArgusParser } from '../../src/input/argus.ts';
import { NfdumpCsvParser } from '../../src/input/nfdump.ts';
import { ZeekStreamParser } from '../../src/input/stdin.ts';
import { UTC } from '../../src/input/wallclock.ts';
import type { Flow } from '../../src/flows/types.ts';
import { SLIPS_DATA, tempDir } from '../helpers/run.ts';

interface Format { name: string; header: string[]; good: string[]; parser: () => LineParser }

const suricataLines = readFileSync(join(SLIPS_DATA, 'test6-malicious.suricata.json'), 'utf8').split('\n')
  .filter((l) => /"event_type":"(flow|http)"/.test(l)).slice(0, 40);
const argusLines = readFileSync(join(SLIPS_DATA, 'test3-mixed.binetflow'), 'utf8').split('\n').filter(Boolean);
const zeekLines = readFileSync(join(SLIPS_DATA, 'test9-mixed-zeek-dir', 'conn.log'), 'utf8').split('\n').filter(Boolean).slice(0, 40);

const FORMATS: Format[] = [
  { name: 'suricata', header: [], good: suricataLines, parser: () => new SuricataParser() },
  { name: 'argus', header: [argusLines[0]!], good: argusLines.slice(1, 41), parser: () => new ArgusParser(UTC, 'header', false) },
  {
    name: 'nfdump', header: ['ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt'],
    good: Array.from({ length: 30 }, (_, i) => `2018-01-12 15:37:${String(10 + i).padStart(2, '0')},2018-01-12 15:38:00,1.000,147.32.80.${i},147.32.82.62,${50000 + i},902,TCP,......S.,0,0,1,60,1,40`),
    parser: () => new NfdumpCsvParser(),
  },
  { name: 'zeek json', header: [], good: zeekLines, parser: () => new ZeekStreamParser() },
];

class Errors { list: { file: string; line: number; message: string }[] = []; inputError(file: string, line: number, message: string): void { this.list.push({ file, line, message }); } }

async function readAll(path: string, parser: LineParser): Promise<{ flows: Flow[]; errors: Errors; malformed: number }> {
  const errors = new Errors();
  const flows: Flow[] = [];
  const reader = new LineFlowReader({ description: 't', name: path, open: () => new LineSource(path), parser, errors });
  const st = await reader.run((f) => flows.push(f), new AbortController().signal);
  return { flows, errors, malformed: st.malformed };
}

/** A line of junk: random bytes, or random printable text, without newlines. */
const junkLine = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((a) => Buffer.from(a).toString('latin1')),
  fc.string({ minLength: 1, maxLength: 200 }),
  fc.constantFrom('{', '{"event_type":', '[]', 'null', '{"timestamp":"2021-06-06T15:57:37Z","event_type":"flow","flow":"x"}', ',,,,,,,,,,', '\t\t\t\t'),
).map((s) => s.replace(/[\r\n]/g, ' ')).filter((s) => s.trim() !== '' && s.trim() !== 'done' && s.trim() !== 'Summary' && !s.startsWith('#'));

for (const fmt of FORMATS) {
  test(`${fmt.name}: junk lines between good ones are reported with their line number, good lines all read`, async () => {
    const dir = tempDir('slips-fuzz-');
    const expected = (await (async () => {
      const p = join(dir, 'clean');
      writeFileSync(p, [...fmt.header, ...fmt.good].join('\n') + '\n');
      const r = await readAll(p, fmt.parser());
      assert.equal(r.malformed, 0, JSON.stringify(r.errors.list.slice(0, 3)));
      return r.flows.map((f) => `${f.starttime} ${f.saddr} ${f.daddr}`);
    })());
    assert.equal(expected.length, fmt.good.length);
    let run = 0;
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(fmt.good.length), junkLine), { minLength: 1, maxLength: 8 }),
      async (inserts) => {
        const lines = [...fmt.good];
        const junkAt = new Set<number>();
        // Insert from the back so earlier positions stay valid.
        for (const [pos, junk] of [...inserts].sort((a, b) => b[0] - a[0])) lines.splice(pos, 0, junk);
        lines.forEach((l, i) => { if (!fmt.good.includes(l)) junkAt.add(i + 1 + fmt.header.length); });
        const p = join(dir, `junk${run++}`);
        writeFileSync(p, [...fmt.header, ...lines].join('\n') + '\n');
        const r = await readAll(p, fmt.parser());
        const got = r.flows.map((f) => `${f.starttime} ${f.saddr} ${f.daddr}`);
        // Some junk is a legal but ignorable record (e.g. a JSON object of an unknown event type): never a flow
        // unless it parses as one; every good line is there, in order.
        assert.deepEqual(got.filter((g) => expected.includes(g)), expected);
        for (const e of r.errors.list) {
          assert.equal(e.file, p);
          assert.ok(junkAt.has(e.line), `error at line ${e.line} which is a good line: ${e.message}`);
        }
      },
    ), { numRuns: 40, seed: 5 });
  });

  test(`${fmt.name}: truncated lines and random bytes give errors, not crashes`, async () => {
    const dir = tempDir('slips-fuzz-');
    let run = 0;
    await fc.assert(fc.asyncProperty(
      fc.nat(fmt.good.length - 1), fc.nat(400), fc.uint8Array({ maxLength: 2000 }),
      async (which, cut, bytes) => {
        const good = fmt.good[which]!;
        const truncated = good.slice(0, cut % Math.max(1, good.length));
        const p = join(dir, `t${run++}`);
        writeFileSync(p, Buffer.concat([Buffer.from([...fmt.header, ...fmt.good.slice(0, which), truncated].join('\n') + '\n'), Buffer.from(bytes)]));
        const r = await readAll(p, fmt.parser());
        // Every line before the truncated one is a flow.
        assert.ok(r.flows.length >= which, `${r.flows.length} < ${which}`);
      },
    ), { numRuns: 40, seed: 7 });
  });

  test(`${fmt.name}: another format entirely is errors (or nothing), never flows`, async () => {
    const dir = tempDir('slips-fuzz-');
    const others = FORMATS.filter((o) => o.name !== fmt.name && !(o.name.startsWith('zeek') && fmt.name.startsWith('zeek')));
    for (const o of others) {
      if (fmt.name === 'suricata' && o.name === 'zeek json') continue; // both JSON: Zeek records are ignored events, covered below
      const p = join(dir, o.name.replace(' ', '_'));
      writeFileSync(p, [...o.header, ...o.good].join('\n') + '\n');
      const r = await readAll(p, fmt.parser());
      assert.equal(r.flows.length, 0, `${fmt.name} read ${r.flows.length} flows from ${o.name}`);
    }
  });
}

test('suricata: Zeek JSON records are not Suricata events', async () => {
  const dir = tempDir('slips-fuzz-');
  const p = join(dir, 'zeek.json');
  writeFileSync(p, zeekLines.join('\n') + '\n');
  const r = await readAll(p, new SuricataParser());
  assert.equal(r.flows.length, 0);
  assert.equal(r.malformed, zeekLines.length);
  assert.match(r.errors.list[0]!.message, /no "event_type"/);
});
