// Log and terminal injection: DNS names, user agents and hosts holding newlines, ESC sequences,
// C1 controls and bidi overrides, and malformed lines holding NUL and ESC. No text output may then
// hold a control character or a line that is not the project's own; alerts.json keeps the
// original strings, escaped by JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSlips, tempDir, readText, query, alertsLog, alertsJson } from '../helpers/run.ts';
import { CONTROL_IN_TEXT, FORGED_LINE, HOSTILE, tsvLog } from './logs.ts';
import { visibleText } from '../../src/util/visible-text.ts';

const EVIDENCE_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?[+-]\d\d:\d\d \(TW -?\d+\): Src IP .{26}\. Detected .+ Threat level: (info|low|medium|high|critical)\. .*$/;
const ALERT_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?[+-]\d\d:\d\d: Src IP .{26}\. Generated an alert given enough evidence on timewindow -?\d+\. \(real time \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{6}\)$/;

/** Zeek writes non-printable bytes of a string field as \xHH; the reader decodes them back. */
const zeekEscape = (s: string): string => [...Buffer.from(s, 'utf8')].map((b) => (b < 0x20 || b === 0x7f || b === 0x5c || b >= 0x80 ? `\\x${b.toString(16).padStart(2, '0')}` : String.fromCharCode(b))).join('');

test('attacker strings with newlines, ESC, C1 and bidi controls cannot forge lines or drive a terminal', () => {
  const dir = tempDir();
  const t0 = 1_600_000_000;
  const dns = Array.from({ length: 20 }, (_, i) => [String(t0 + i), `D${i}`, '10.0.0.1', String(5000 + i), '10.0.0.53', '53', 'udp',
    zeekEscape(`a${i}.example.com${FORGED_LINE}${HOSTILE}`), 'A', 'NOERROR', `198.51.100.${i + 1}`]);
  const http = Array.from({ length: 5 }, (_, i) => [String(t0 + 30 + i), `H${i}`, '10.0.0.1', String(6000 + i), '93.184.216.34', '80', 'GET',
    zeekEscape(`host${HOSTILE}.example`), zeekEscape(`/x${FORGED_LINE}`), zeekEscape(`httpsend ${HOSTILE}${FORGED_LINE}`), '200', '0', '10']);
  writeFileSync(join(dir, 'dns.log'), tsvLog('dns', dns));
  writeFileSync(join(dir, 'http.log'), tsvLog('http', http));
  // A malformed line whose bytes are echoed in the error message.
  writeFileSync(join(dir, 'conn.log'), tsvLog('conn', [['garbage\x00with\x1b[2Jcontrols\u202e', ...Array(14).fill('-')]]));
  const r = runSlips(['-f', dir]);
  assert.equal(r.code, 0, r.stderr);

  for (const [name, text] of [['alerts.log', readText(join(r.out, 'alerts', 'alerts.log'))], ['slips.log', readText(join(r.out, 'slips.log'))],
    ['errors.log', readText(join(r.out, 'errors.log'))], ['stdout', r.stdout], ['stderr', r.stderr]] as const) {
    assert.ok(!CONTROL_IN_TEXT.test(text), `${name} holds a control character: ${JSON.stringify(text.match(CONTROL_IN_TEXT))}`);
    assert.ok(!text.split('\n').some((l) => l.startsWith('2019-04-04T16:24:47')), `${name} holds the forged line as a line of its own`);
  }
  const lines = alertsLog(r.out);
  for (const l of lines) assert.ok(EVIDENCE_LINE.test(l) || ALERT_LINE.test(l), `not a line of the grammar: ${l}`);
  const evidenceRows = query<{ n: number }>(r.out, 'SELECT COUNT(*) AS n FROM evidence')[0]!.n;
  assert.equal(lines.filter((l) => EVIDENCE_LINE.test(l)).length, evidenceRows, 'one alerts.log line per evidence');
  // The hostile text is there, visibly: a reader of the log sees what the attacker sent.
  const suspicious = lines.find((l) => l.includes('Suspicious user-agent'));
  assert.ok(suspicious, 'the suspicious user agent is reported');
  assert.ok(suspicious.includes('\\x1b[31mred') && suspicious.includes('\\u202eevil') && suspicious.includes('\\n2019-04-04'), suspicious);
  assert.ok(lines.some((l) => l.includes('resolved with no connection') && l.includes('\\n2019-04-04')));
  assert.match(readText(join(r.out, 'errors.log')), /invalid timestamp "garbage\\x00with\\x1b\[2Jcontrols\\u202e"/);
  // alerts.json is JSON: the strings are kept exactly, escaped by the JSON encoding.
  const events = alertsJson(r.out).filter((e) => e.Status === 'Event');
  assert.ok(events.some((e) => String(e.Description).includes(`httpsend ${HOSTILE}`)));
});

test('visibleText shows every control character and leaves other text as it is', () => {
  assert.equal(visibleText('plain text, ünïcode, 日本'), 'plain text, ünïcode, 日本');
  assert.equal(visibleText('a\nb\rc\td\x00e\x1bf\x7fg\u0085h\u009bi\u202ej\u2066k\u2028l'),
    'a\\nb\\rc\\td\\x00e\\x1bf\\x7fg\\x85h\\x9bi\\u202ej\\u2066k\\u2028l');
  for (let c = 0; c < 0x300; c++) {
    const shown = visibleText(String.fromCharCode(c));
    assert.ok(!CONTROL_IN_TEXT.test(shown) && !shown.includes('\n') && !shown.includes('\t'), `U+${c.toString(16)}`);
  }
});
