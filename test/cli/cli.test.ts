// The real program on the Slips datasets: output layout and formats, database contents, labels, bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SLIPS_DATA, alertsJson, alertsLog, query, readText, runSlips, tempDir, zeekRecordCount } from '../helpers/run.ts';
import { zeekLogKind } from '../../src/input/zeek.ts';

const EVIDENCE_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?[+-]\d\d:\d\d \(TW -?\d+\): Src IP .{26}\. Detected .+ Threat level: (info|low|medium|high|critical)\. .*$/;
const ALERT_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?[+-]\d\d:\d\d: Src IP .{26}\. Generated an alert given enough evidence on timewindow -?\d+\. \(real time \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{6}\)$/;

function checkIdmef(objects: Record<string, unknown>[]): void {
  for (const o of objects) {
    assert.equal(o.Version, '2.0.3');
    assert.match(String(o.ID), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(o.Status === 'Event' || o.Status === 'Incident');
    assert.ok(typeof o.CreateTime === 'string' && !Number.isNaN(Date.parse(o.CreateTime as string)));
    assert.ok(typeof o.StartTime === 'string' && !Number.isNaN(Date.parse(o.StartTime as string)));
    const an = o.Analyzer as Record<string, unknown>;
    assert.equal(an.Name, 'Slips');
    for (const k of ['IP', 'Model', 'Category', 'Data', 'Method']) assert.ok(k in an, `Analyzer.${k}`);
    const src = o.Source as Record<string, unknown>[];
    assert.ok(Array.isArray(src) && src.length === 1 && typeof (src[0]!.IP ?? src[0]!.Hostname ?? src[0]!.URL) === 'string');
    const note = JSON.parse(String(o.Note)) as Record<string, unknown>;
    assert.equal(typeof note.timewindow, 'number');
    if (o.Status === 'Event') {
      assert.ok(['Info', 'Low', 'Medium', 'High'].includes(String(o.Severity)));
      assert.equal(typeof o.Confidence, 'number');
      assert.match(String(o.Description), / Threat level: \w+\.$/);
      assert.ok(Array.isArray(note.uids));
    } else {
      assert.ok(Array.isArray(o.CorrelID) && (o.CorrelID as unknown[]).length > 0);
      assert.equal(typeof note.EndTime, 'string');
    }
  }
}

function supportedRecordCount(dir: string): number {
  return readdirSync(dir).filter((n) => { const k = zeekLogKind(n); return k && k !== 'x509'; })
    .reduce((sum, n) => sum + zeekRecordCount(join(dir, n)), 0);
}

test('test9 Zeek folder: layout, alerts.log grammar, IDMEF objects, every record in flows.sqlite', () => {
  const dir = join(SLIPS_DATA, 'test9-mixed-zeek-dir');
  const r = runSlips(['-f', dir]);
  assert.equal(r.code, 0, r.stderr);
  for (const p of ['slips.log', 'errors.log', 'alerts/alerts.log', 'alerts/alerts.json', 'databases/flows.sqlite',
    'metadata/info.txt', 'metadata/slips.yaml']) assert.ok(existsSync(join(r.out, p)), p);
  const lines = alertsLog(r.out);
  assert.ok(lines.length > 0);
  for (const l of lines) assert.ok(EVIDENCE_LINE.test(l) || ALERT_LINE.test(l), `bad line: ${l}`);
  const events = alertsJson(r.out);
  assert.equal(events.length, lines.length);
  checkIdmef(events);
  const [flows] = query<{ n: number }>(r.out, 'SELECT COUNT(*) AS n FROM flows');
  const [alt] = query<{ n: number }>(r.out, 'SELECT COUNT(*) AS n FROM altflows');
  assert.equal(flows!.n, zeekRecordCount(join(dir, 'conn.log')));
  assert.equal(flows!.n + alt!.n, supportedRecordCount(dir));
  const [evRows] = query<{ n: number }>(r.out, 'SELECT COUNT(*) AS n FROM evidence');
  assert.equal(evRows!.n, events.filter((e) => e.Status === 'Event').length);
  const profiles = query<{ n: number }>(r.out, 'SELECT COUNT(*) AS n FROM profiles')[0]!.n;
  assert.ok(profiles > 4, `profiles ${profiles}`);
  const info = readText(join(r.out, 'metadata', 'info.txt'));
  assert.match(info, /Slips version: 1\.1\.21/);
  assert.match(info, /Slips end date: /);
  assert.match(r.stdout, /Analysed \d+ flows from \d+ profiles/);
  // The DHCP host name of 10.0.2.15 shows in its lines.
  assert.ok(lines.some((l) => l.includes('Src IP 10.0.2.15 (John-PC)')));
});

test('test9 conn.log alone: profiles, private-IP evidence text', () => {
  const r = runSlips(['-f', join(SLIPS_DATA, 'test9-mixed-zeek-dir', 'conn.log')]);
  assert.equal(r.code, 0, r.stderr);
  const lines = alertsLog(r.out);
  assert.ok(lines.some((l) => l.includes('Connecting to private IP: 10.0.2.255 on destination port: 137')));
  assert.ok(query<{ n: number }>(r.out, 'SELECT COUNT(*) AS n FROM profiles')[0]!.n > 4);
});

test('port scans: unknown ports are reported, and a low threshold raises alerts that label their flows malicious', () => {
  const cfgDir = tempDir();
  const cfg = join(cfgDir, 'slips.yaml');
  writeFileSync(cfg, 'detection:\n  evidence_detection_threshold: 0.01\n');
  const r = runSlips(['-c', cfg, '-f', join(SLIPS_DATA, 'port-scans', 'horizontal', 'conn.log')]);
  assert.equal(r.code, 0, r.stderr);
  const lines = alertsLog(r.out);
  assert.ok(lines.some((l) => /Detected Connection to unknown destination port \d+\/TCP destination IP /.test(l)));
  const alerts = lines.filter((l) => ALERT_LINE.test(l));
  assert.ok(alerts.length > 0);
  assert.match(r.stdout, /IP 10\.0\.2\.112 detected as malicious in timewindow 1 \(start .*, stop .*\) given the following evidence:/);
  const [a] = query<{ n: number }>(r.out, 'SELECT COUNT(*) AS n FROM alerts');
  assert.equal(a!.n, alerts.length);
  const malicious = query<{ n: number }>(r.out, "SELECT COUNT(*) AS n FROM flows WHERE label = 'malicious'")[0]!.n;
  assert.ok(malicious > 0);
  const [scanner] = query<{ info: string }>(r.out, "SELECT info FROM profiles WHERE ip = '10.0.2.112'");
  const labels = (JSON.parse(scanner!.info) as { modules_labels?: Record<string, string> }).modules_labels ?? {};
  assert.equal(labels.network_discovery, 'high', JSON.stringify(labels));
  assert.equal(labels.flow_alerts, 'high', 'UNKNOWN_PORT of established flows before the scan was recognised');
  const incidents = alertsJson(r.out).filter((o) => o.Status === 'Incident');
  assert.equal(incidents.length, alerts.length);
  checkIdmef(alertsJson(r.out));
});

test('labelled Zeek logs (test18): every record read, ground-truth labels kept, labelled export', () => {
  const dir = join(SLIPS_DATA, 'test18-malicious-ctu-sme-11-win', 'zeek-labeled');
  const cfgDir = tempDir();
  const cfg = join(cfgDir, 'slips.yaml');
  writeFileSync(cfg, 'parameters:\n  export_labeled_flows: true\n  export_format: json\n');
  const r = runSlips(['-c', cfg, '-f', dir]);
  assert.equal(r.code, 0, r.stderr);
  const [flows] = query<{ n: number }>(r.out, 'SELECT COUNT(*) AS n FROM flows');
  assert.equal(flows!.n, zeekRecordCount(join(dir, 'conn.log.labeled')));
  const labels = query<{ l: string; n: number }>(r.out,
    "SELECT json_extract(flow, '$.ground_truth_label') AS l, COUNT(*) AS n FROM flows GROUP BY l");
  const byLabel = Object.fromEntries(labels.map((x) => [x.l, x.n]));
  assert.ok(byLabel.Malicious > 0 && byLabel.Benign > 0, JSON.stringify(byLabel));
  const mal = query<{ d: string }>(r.out, "SELECT json_extract(flow, '$.daddr') AS d FROM flows WHERE json_extract(flow, '$.ground_truth_label') = 'Malicious'");
  assert.ok(mal.every((x) => x.d === '178.237.33.50' || x.d === '66.63.168.35'));
  const exported = readText(join(r.out, 'labeled_flows.json')).split('\n').filter(Boolean);
  const [alt] = query<{ n: number }>(r.out, 'SELECT COUNT(*) AS n FROM altflows');
  assert.equal(exported.length, flows!.n + alt!.n);
  const first = JSON.parse(exported[0]!) as Record<string, string>;
  for (const k of ['uid', 'flow', 'label', 'profileid', 'twid']) assert.ok(k in first);
});

test('bad input is reported with file and line, skipped, and good lines are still analysed', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'conn.log'), [
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration',
    '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tinterval',
    '1.0\tC1\t10.0.0.1\t5\t5.6.7.8\t0\ttcp\t2000',
    'garbage line here',
    '2.0\tC2\t10.0.0.1\t5\t5.6.7.8\t77\ttcp\t1',
  ].join('\n') + '\n');
  writeFileSync(join(dir, 'dns.log'), '{"ts":3,"uid":"D1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"5.6.7.8","id.resp_p":53,"query":"x.com"}\n[1,2]\n{"ts":\n');
  const http = Array.from({ length: 3000 }, (_, i) =>
    `{"ts":${i + 10},"uid":"H${i}","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"1.2.3.4","id.resp_p":80,"host":"a.com","user_agent":"x\\u0000<script>"}`).join('\n');
  const gz = gzipSync(http);
  writeFileSync(join(dir, 'http.log.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
  writeFileSync(join(dir, 'ssl.log'), '10\tno\theader\n');
  const r = runSlips(['-f', dir]);
  assert.equal(r.code, 0, r.stderr);
  const errors = readText(join(r.out, 'errors.log'));
  assert.match(errors, /conn\.log:4: expected 8 tab-separated fields, found 1/);
  assert.match(errors, /dns\.log:2: JSON line is not an object/);
  assert.match(errors, /dns\.log:3: invalid JSON/);
  assert.match(errors, /http\.log\.gz:\d+: input ends early \(truncated gzip data; its last, incomplete line is not analysed\); the \d+ lines before were analysed/);
  assert.match(errors, /ssl\.log:1: data line before any #fields header/);
  assert.match(r.stderr, /conn\.log:4: /);
  const lines = alertsLog(r.out);
  assert.ok(lines.some((l) => l.includes('Long Connection. Connection from 10.0.0.1 to destination address: 5.6.7.8 took 33 mins')));
  assert.ok(lines.some((l) => l.includes('Connection to unknown destination port 77/TCP destination IP 5.6.7.8.')));
  const alt = query<{ n: number }>(r.out, "SELECT COUNT(*) AS n FROM altflows WHERE flow_type = 'http'")[0]!.n;
  assert.ok(alt > 100, `http records read before the truncation: ${alt}`);
});

test('an unusable PATH or config gives one clear line and a non-zero exit', () => {
  const cases: [string[], RegExp][] = [
    [['-f', '/nonexistent/path'], /^slips: input \/nonexistent\/path does not exist\n$/],
    [['-f', tempDir()], /^slips: no supported Zeek logs in /],
  ];
  const plain = join(tempDir(), 'notes.txt');
  writeFileSync(plain, 'hello world\n');
  cases.push([['-f', plain], /^slips: unrecognised input file type: /]);
  const unreadable = join(tempDir(), 'conn.log');
  writeFileSync(unreadable, '#fields\tts\n');
  chmodSync(unreadable, 0o000);
  if (process.getuid?.() !== 0) cases.push([['-f', unreadable], /^slips: cannot read /]);
  const badCfg = join(tempDir(), 'bad.yaml');
  writeFileSync(badCfg, 'parameters:\n  time_window_wdth: 5\n');
  cases.push([['-c', badCfg, '-f', join(SLIPS_DATA, 'port-scans', 'vertical', 'conn.log')], /unknown key "parameters\.time_window_wdth"/]);
  cases.push([['-c', '/no/such.yaml', '-f', plain], /^slips: cannot read config file \/no\/such.yaml: ENOENT\n$/]);
  for (const [args, re] of cases) {
    const r = runSlips(args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, re, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('-o clears an earlier output folder first, refuses to clear any other folder; -V prints the version', () => {
  const other = tempDir();
  writeFileSync(join(other, 'precious.txt'), 'keep me');
  const refused = runSlips(['-f', join(SLIPS_DATA, 'port-scans', 'vertical', 'conn.log'), '-o', other]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /^slips: output folder .* is not empty and holds no earlier slips output/);
  assert.equal(readText(join(other, 'precious.txt')), 'keep me');
  // A folder holding only names this project also writes is not taken for its output.
  const lookalike = tempDir();
  writeFileSync(join(lookalike, 'slips.log'), 'not ours');
  const refused2 = runSlips(['-f', join(SLIPS_DATA, 'port-scans', 'vertical', 'conn.log'), '-o', lookalike]);
  assert.notEqual(refused2.code, 0);
  assert.equal(readText(join(lookalike, 'slips.log')), 'not ours');
  // An earlier run's output is replaced; what the user put beside it stays.
  const out = tempDir();
  const first = runSlips(['-f', join(SLIPS_DATA, 'port-scans', 'horizontal', 'conn.log'), '-o', out]);
  assert.equal(first.code, 0, first.stderr);
  mkdirSync(join(out, 'old'));
  writeFileSync(join(out, 'old', 'x'), 'x');
  const r = runSlips(['-f', join(SLIPS_DATA, 'port-scans', 'vertical', 'conn.log'), '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readText(join(out, 'old', 'x')), 'x');
  assert.ok(alertsLog(out).every((l) => !l.includes('horizontal port scan')), 'the earlier alerts are gone');
  const v = runSlips(['-V']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^Slips 1\.1\.21 \(slips-ts/);
});

test('the same input gives the same alerts.log on every run', () => {
  const input = join(SLIPS_DATA, 'test9-mixed-zeek-dir');
  const a = alertsLog(runSlips(['-f', input]).out);
  const b = alertsLog(runSlips(['-f', input]).out);
  assert.deepEqual(a, b);
});

test('labelled flows can be exported as TSV with a header of the common columns', () => {
  const cfg = join(tempDir(), 'slips.yaml');
  writeFileSync(cfg, 'parameters:\n  export_labeled_flows: true\n  export_format: tsv\n');
  const r = runSlips(['-c', cfg, '-f', join(SLIPS_DATA, 'port-scans', 'vertical', 'conn.log')]);
  assert.equal(r.code, 0, r.stderr);
  const rows = readText(join(r.out, 'labeled_flows.tsv')).split('\n').filter(Boolean);
  assert.equal(rows[0], 'uid\tflow\tlabel\tprofileid\ttwid\tflow_type');
  assert.equal(rows.length - 1, zeekRecordCount(join(SLIPS_DATA, 'port-scans', 'vertical', 'conn.log')));
  assert.match(rows[1]!, /^C\w+\t\{.*\}\t(benign|malicious)\tprofile_[\d.]+\ttimewindow\d+\tconn$/);
});
