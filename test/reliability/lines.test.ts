// One line reader with one limit for every input: a line over 16 MiB is reported once with its
// own number, skipped whole, and the numbering of the lines after it stays right, in the file
// readers and in the growing-folder reader alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZeekReader } from '../../src/input/zeek-reader.ts';
import { GrowingZeekReader } from '../../src/input/growing.ts';
import { LineSplitter, MAX_LINE } from '../../src/input/lines.ts';
import type { Flow } from '../../src/flows/types.ts';
import { tempDir } from '../helpers/run.ts';
import { connRow, tsvLog } from './logs.ts';

class Errors {
  list: { file: string; line: number; message: string }[] = [];
  inputError(file: string, line: number, message: string): void { this.list.push({ file, line, message }); }
}

/** conn.log: 7 header lines, 3 records, one 20 MiB line (line 11), a record with a bad timestamp (12), 3 records. */
function writeLog(path: string): void {
  const rows = [0, 1, 2].map((i) => connRow(i));
  writeFileSync(path, tsvLog('conn', rows));
  appendFileSync(path, 'x'.repeat(20 << 20) + '\n');
  const bad = connRow(9); bad[0] = 'soon';
  appendFileSync(path, [bad, connRow(3), connRow(4), connRow(5)].map((r) => r.join('\t')).join('\n') + '\n');
}

function check(errors: Errors, flows: Flow[]): void {
  assert.deepEqual(flows.map((f) => f.uid), ['C0', 'C1', 'C2', 'C3', 'C4', 'C5']);
  assert.equal(errors.list.length, 2, JSON.stringify(errors.list.map((e) => [e.line, e.message])));
  assert.equal(errors.list[0]!.line, 11);
  assert.match(errors.list[0]!.message, new RegExp(`line of ${20 << 20} bytes is longer than the limit of ${MAX_LINE} bytes`));
  assert.equal(errors.list[1]!.line, 12);
  assert.match(errors.list[1]!.message, /invalid timestamp "soon"/);
}

test('file reader: an over-long line is one error with its line number; later numbers stay right', async () => {
  const path = join(tempDir(), 'conn.log');
  writeLog(path);
  const errors = new Errors();
  const flows: Flow[] = [];
  const stats = await ZeekReader.forFile(path, 'conn', errors).run((f) => flows.push(f), new AbortController().signal);
  check(errors, flows);
  assert.equal(stats.malformed, 2);
});

test('growing-folder reader: the same limit and the same reports', async () => {
  const dir = tempDir();
  writeLog(join(dir, 'conn.log'));
  const errors = new Errors();
  const flows: Flow[] = [];
  const before = process.memoryUsage().rss;
  await new GrowingZeekReader(dir, errors, { quietMs: 200, pollMs: 20 }).run((f) => flows.push(f), new AbortController().signal);
  check(errors, flows);
  // The line was dropped as it streamed past, never held whole (a 300 MB line once cost 1.5 GB here).
  assert.ok(process.memoryUsage().rss - before < 200 << 20);
});

test('the splitter keeps numbering across chunks and cuts, CRLF endings included', () => {
  const problems: [number, string][] = [];
  const s = new LineSplitter((line, message) => problems.push([line, message]));
  const out: string[] = [];
  s.push(Buffer.from('a\r\nb'), out);
  s.push(Buffer.from('c\nd'), out);
  s.push(Buffer.alloc(MAX_LINE + 10, 0x78), out);
  s.push(Buffer.from('tail\ne\n'), out);
  s.end(out);
  assert.deepEqual(out, ['a', 'bc', '', 'e']);
  assert.deepEqual(problems.map((p) => p[0]), [3]);
  assert.equal(s.produced, 4);
});
