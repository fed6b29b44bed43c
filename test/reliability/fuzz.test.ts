// Property test: real records of every input format with one field replaced by an extreme or
// impossible value (huge and negative timestamps, 2^53+1, Infinity, NaN, 1e309, hex, negative
// counts, ports over 65535, control characters). Whatever the mutation: nothing throws, the run
// ends, every untouched record is kept, errors point only at mutated lines, and every flow that
// gets through has sane values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { LineFlowReader, type LineParser } from '../../src/input/line-reader.ts';
import { LineSource } from '../../src/input/lines.ts';
import { ZeekReader } from '../../src/input/zeek-reader.ts';
import { SuricataParser } from '../../src/input/suricata.ts';
import { ArgusParser } from '../../src/input/argus.ts';
import { NfdumpCsvParser } from '../../src/input/nfdump.ts';
import { ZeekStreamParser } from '../../src/input/stdin.ts';
import { UTC } from '../../src/input/wallclock.ts';
import { flowProblem } from '../../src/flows/validate.ts';
import type { Flow } from '../../src/flows/types.ts';
import type { FlowReader } from '../../src/input/reader.ts';
import { runAnalysis } from '../../src/cli/run.ts';
import { defaultRawConfig } from '../../src/config/config.ts';
import { SLIPS_DATA, tempDir, query } from '../helpers/run.ts';

const EXTREME_TEXT = ['1e13', '99999999999999', '1e300', '-1e300', '9007199254740993', 'Infinity', '-Infinity', 'NaN', '1e309',
  '-1', '-0.5', '0x1f', '0b101', '70000', '65536', '', ' ', '\x00', '\x1b[2J', '\u202e', '1,5', '12abc', '.'.repeat(3000)];
const EXTREME_JSON = ['1e309', '-1e309', '1e300', '-1e300', '9007199254740993', '99999999999999', '-1', '70000', '"NaN"',
  '"Infinity"', '"0x10"', 'null', '[]', '{}', 'true', '"\\u001b[2J"', '"\\u0000"', '""'];

interface Format {
  name: string;
  header: string[];
  good: string[];
  /** Splits a record into fields and joins it back. */
  split: (line: string) => string[];
  join: (fields: string[]) => string;
  values: string[];
  reader: (path: string, errors: Errors) => FlowReader;
}

class Errors {
  list: { line: number; message: string }[] = [];
  inputError(_file: string, line: number, message: string): void { this.list.push({ line, message }); }
}

const jsonSplit = (l: string): string[] => { const o = JSON.parse(l) as Record<string, unknown>; return Object.entries(o).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`); };
const jsonJoin = (fs: string[]): string => `{${fs.join(',')}}`;
const jsonValue = (field: string, v: string): string => `${field.slice(0, field.indexOf('":') + 2)}${v}`;
const lineReader = (parser: () => LineParser) => (path: string, errors: Errors): FlowReader =>
  new LineFlowReader({ description: 't', name: path, open: (p) => new LineSource(path, undefined, p), parser: parser(), errors });

const text = (p: string): string[] => readFileSync(p, 'utf8').split('\n').filter(Boolean);
const zeekTsv = text(join(SLIPS_DATA, 'test10-mixed-zeek-dir', 'conn.log'));
const zeekJson = text(join(SLIPS_DATA, 'test9-mixed-zeek-dir', 'conn.log')).slice(0, 30);
const suricata = text(join(SLIPS_DATA, 'test6-malicious.suricata.json')).filter((l) => /"event_type":"(flow|http|dns)"/.test(l)).slice(0, 30);
const argus = text(join(SLIPS_DATA, 'test3-mixed.binetflow'));

const FORMATS: Format[] = [
  // (test10's first header line starts with a tab, as in the dataset.)
  { name: 'zeek tsv', header: zeekTsv.filter((l) => l.trimStart().startsWith('#') && !l.startsWith('#close')),
    good: zeekTsv.filter((l) => !l.trimStart().startsWith('#')).slice(0, 30),
    split: (l) => l.split('\t'), join: (f) => f.join('\t'), values: EXTREME_TEXT,
    reader: (path, errors) => ZeekReader.forFile(path, 'conn', errors) },
  { name: 'zeek json', header: [], good: zeekJson, split: jsonSplit, join: jsonJoin, values: EXTREME_JSON,
    reader: lineReader(() => new ZeekStreamParser()) },
  { name: 'suricata', header: [], good: suricata, split: jsonSplit, join: jsonJoin, values: EXTREME_JSON, reader: lineReader(() => new SuricataParser()) },
  { name: 'argus', header: [argus[0]!], good: argus.slice(1, 31), split: (l) => l.split(','), join: (f) => f.join(','), values: EXTREME_TEXT,
    reader: lineReader(() => new ArgusParser(UTC, 'header', false)) },
  { name: 'nfdump csv', header: ['ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt'],
    good: Array.from({ length: 30 }, (_, i) => `2018-01-12 15:37:${String(10 + i).padStart(2, '0')},2018-01-12 15:38:00,1.000,147.32.80.${i},147.32.82.62,${50000 + i},902,TCP,......S.,0,0,1,60,1,40`),
    split: (l) => l.split(','), join: (f) => f.join(','), values: EXTREME_TEXT, reader: lineReader(() => new NfdumpCsvParser()) },
];

/** What identifies a record's flow independently of its position (readers may reorder). */
const identity = (f: Flow): string => `${f.type_}|${f.starttime}|${f.saddr}|${f.daddr}|${'sport' in f ? f.sport : ''}|${'dport' in f ? f.dport : ''}`;

async function read(fmt: Format, path: string): Promise<{ flows: Flow[]; errors: Errors }> {
  const errors = new Errors();
  const flows: Flow[] = [];
  await fmt.reader(path, errors).run((f) => flows.push(f), new AbortController().signal);
  return { flows, errors };
}

for (const fmt of FORMATS) {
  test(`${fmt.name}: extreme values in any field never throw, never lose an untouched record, never pass an impossible flow`, async () => {
    const dir = tempDir('slips-fuzz-');
    mkdirSync(join(dir, 'clean'));
    const cleanPath = join(dir, 'clean', 'conn.log');
    writeFileSync(cleanPath, [...fmt.header, ...fmt.good].join('\n') + '\n');
    const clean = await read(fmt, cleanPath);
    assert.deepEqual(clean.errors.list, []);
    // Identity of each good line's flow (lines of other record kinds may give none).
    const perLine = await Promise.all(fmt.good.map(async (l, i) => {
      const p = join(dir, 'clean', `one${i}.log`);
      writeFileSync(p, [...fmt.header, l].join('\n') + '\n');
      return (await read(fmt, p)).flows.map(identity);
    }));
    let run = 0;
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(fmt.good.length - 1), fc.nat(64), fc.constantFrom(...fmt.values)), { minLength: 1, maxLength: 6 }),
      async (mutations) => {
        const lines = [...fmt.good];
        const touched = new Set<number>();
        for (const [which, field, value] of mutations) {
          const fields = fmt.split(lines[which]!);
          const k = field % fields.length;
          fields[k] = fmt.values === EXTREME_JSON ? jsonValue(fields[k]!, value) : value;
          lines[which] = fmt.join(fields);
          touched.add(which);
        }
        mkdirSync(join(dir, String(run)));
        const p = join(dir, String(run++), 'conn.log');
        writeFileSync(p, [...fmt.header, ...lines].join('\n') + '\n');
        const r = await read(fmt, p);
        const got = new Set(r.flows.map(identity));
        perLine.forEach((ids, i) => { if (!touched.has(i)) for (const id of ids) assert.ok(got.has(id), `untouched line ${i + 1} lost`); });
        for (const f of r.flows) assert.equal(flowProblem(f), null, `an impossible flow got through: ${JSON.stringify(f)}`);
        for (const e of r.errors.list) {
          // A count for the whole file (records without IP endpoints) names its first line.
          const line = e.line || Number(/the first at line (\d+)/.exec(e.message)?.[1]);
          assert.ok(touched.has(line - 1 - fmt.header.length), `error at untouched line ${line}: ${e.message}`);
        }
      },
    ), { numRuns: 60, seed: 12 });
  });
}

test('the whole pipeline on mutated Zeek logs: the run ends, every untouched record is in flows.sqlite', async () => {
  const good = FORMATS[0]!.good;
  const header = FORMATS[0]!.header;
  let run = 0;
  await fc.assert(fc.asyncProperty(
    fc.array(fc.tuple(fc.nat(good.length - 1), fc.nat(20), fc.constantFrom(...EXTREME_TEXT)), { minLength: 1, maxLength: 5 }),
    async (mutations) => {
      const dir = tempDir('slips-fuzz-');
      const lines = [...good];
      const touched = new Set<number>();
      for (const [which, field, value] of mutations) {
        const fields = lines[which]!.split('\t');
        fields[field % fields.length] = value;
        lines[which] = fields.join('\t');
        touched.add(which);
      }
      writeFileSync(join(dir, 'conn.log'), [...header, ...lines].join('\n') + '\n');
      const out = join(dir, `out${run++}`);
      await runAnalysis({ input: dir, outputDir: out, config: defaultRawConfig(), configPath: null, configText: null, command: 'fuzz', quiet: true });
      const uids = new Set(query<{ uid: string }>(out, 'SELECT uid FROM flows').map((r) => r.uid));
      good.forEach((l, i) => { if (!touched.has(i)) assert.ok(uids.has(l.split('\t')[1]!), `untouched record ${i} lost`); });
    },
  ), { numRuns: 5, seed: 3 });
});
