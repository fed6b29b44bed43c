// Every input kind end to end through the real CLI, on the original's test datasets.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, utimesSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO, SLIPS_DATA, alertsLog, query, readText, runSlips, tempDir } from '../helpers/run.ts';

const hasNfdump = spawnSync('nfdump', ['-V']).status === 0;

const profiles = (out: string): number => query<{ n: number }>(out, 'SELECT COUNT(*) AS n FROM profiles')[0]!.n;
const inputErrors = (out: string): string[] => readText(join(out, 'errors.log')).split('\n').filter(Boolean);
const evidenceTypes = (out: string): Map<string, number> => {
  const m = new Map<string, number>();
  for (const r of query<{ t: string }>(out, 'SELECT evidence_type AS t FROM evidence')) m.set(r.t, (m.get(r.t) ?? 0) + 1);
  return m;
};
const runningModules = (out: string): string => /Running modules: (.*)/.exec(readText(join(out, 'slips.log')))?.[1] ?? '';
/** Evidence as text, independent of run-specific ids: sorted descriptions with their flow times. */
const evidenceSet = (out: string): string[] =>
  query<{ d: string; ts: string; tw: string; p: string }>(out, 'SELECT description AS d, timestamp AS ts, twid AS tw, profileid AS p FROM evidence')
    .map((r) => `${r.p} ${r.tw} ${r.ts} ${r.d}`).sort();

test('Argus test2 (comma): Long Connection', () => {
  const r = runSlips(['-f', join(SLIPS_DATA, 'test2-malicious.binetflow')]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(alertsLog(r.out).some((l) => l.includes('Long Connection.')));
  assert.ok(profiles(r.out) > 1);
  assert.deepEqual(inputErrors(r.out), []);
  // The Label column is kept as ground truth in the flow stored in flows.sqlite.
  const flows = query<{ flow: string }>(r.out, 'SELECT flow FROM flows LIMIT 50').map((x) => JSON.parse(x.flow) as { type_: string; ground_truth_label: string });
  assert.ok(flows.every((f) => f.type_ === 'argus'));
});

test('Argus test5 (tabs, labelled): Long Connection, labels kept', () => {
  const r = runSlips(['-f', join(SLIPS_DATA, 'test5-mixed.binetflow')]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(alertsLog(r.out).some((l) => l.includes('Long Connection')));
  assert.ok(profiles(r.out) > 4);
  const labels = new Set(query<{ flow: string }>(r.out, 'SELECT flow FROM flows').map((x) => (JSON.parse(x.flow) as { ground_truth_label: string }).ground_truth_label));
  assert.ok(labels.has('flow=Background-UDP-Attempt'), [...labels].join(' | '));
});

test('Argus time zone is explicit: the same file is one hour apart in UTC and +01:00', () => {
  const dir = tempDir();
  const cfg = join(dir, 'tz.yaml');
  writeFileSync(cfg, 'parameters:\n  argus_timezone: "+01:00"\n');
  const a = runSlips(['-f', join(SLIPS_DATA, 'test3-mixed.binetflow')]);
  const b = runSlips(['-c', cfg, '-f', join(SLIPS_DATA, 'test3-mixed.binetflow')]);
  const first = (out: string): number => Number(query<{ v: string }>(out, "SELECT value AS v FROM analysis WHERE key = 'first_flow_time'")[0]!.v);
  assert.equal(first(a.out) - first(b.out), 3600);
  writeFileSync(cfg, 'parameters:\n  argus_timezone: Mars/Olympus\n');
  const c = runSlips(['-c', cfg, '-f', join(SLIPS_DATA, 'test3-mixed.binetflow')]);
  assert.notEqual(c.code, 0);
  assert.match(c.stderr, /argus_timezone.*unknown time zone/);
});

for (const [file, minProfiles, text] of [
  ['test3-mixed.binetflow', 20, 'Horizontal port scan to port rdp 3389/tcp. From 46.166.151.160'],
  ['test4-malicious.binetflow', 2, 'Horizontal port scan to port http-alt 81/tcp. From 192.168.2.12'],
] as const) {
  test(`Argus ${file}: ${text}`, (t) => {
    const r = runSlips(['-f', join(SLIPS_DATA, file)]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(profiles(r.out) > minProfiles, `${profiles(r.out)} profiles`);
    assert.deepEqual(inputErrors(r.out), []);
    if (!runningModules(r.out).includes('network_discovery')) { t.skip('the port-scan module (network_discovery) is not in this build yet'); return; }
    assert.ok(alertsLog(r.out).some((l) => l.includes(text)), alertsLog(r.out).slice(0, 5).join('\n'));
  });
}

/** A config without whitelists, so every Suricata alert is evidence. */
function noWhitelistConfig(): string {
  const cfg = join(tempDir(), 'nowl.yaml');
  writeFileSync(cfg, 'whitelists:\n  enable_local_whitelist: false\n  enable_online_whitelist: false\n');
  return cfg;
}

test('Suricata test6: profiles, conn evidence and Suricata alerts as SURICATA_ALERT', () => {
  const dflt = runSlips(['-f', join(SLIPS_DATA, 'test6-malicious.suricata.json')]);
  assert.equal(dflt.code, 0, dflt.stderr);
  assert.ok(profiles(dflt.out) > 10);
  assert.ok(['Connection to unknown destination port', 'vertical port scan', 'Connecting to private IP'].some((s) => alertsLog(dflt.out).some((l) => l.includes(s))));
  const r = runSlips(['-c', noWhitelistConfig(), '-f', join(SLIPS_DATA, 'test6-malicious.suricata.json')]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(profiles(r.out) > 10);
  const log = alertsLog(r.out);
  assert.ok(['Connection to unknown destination port', 'vertical port scan', 'Connecting to private IP'].some((s) => log.some((l) => l.includes(s))));
  assert.deepEqual(inputErrors(r.out), []);
  const types = evidenceTypes(r.out);
  // 745 alert events in the file, each one evidence (none are whitelisted by default).
  assert.equal(types.get('SURICATA_ALERT'), 745);
  const one = query<{ d: string; tl: string }>(r.out, "SELECT description AS d, threat_level AS tl FROM evidence WHERE evidence_type = 'SURICATA_ALERT' AND description LIKE '%2403388%' LIMIT 1")[0];
  assert.ok(one, 'the alert of sid 2403388 is evidence');
  assert.match(one.d, /^Suricata alert: ET CINS Active Threat Intelligence Poor Reputation IP group 89 \(sid 1:2403388:\d+, severity 2\)\. Category: Misc Attack\. from 78\.36\.196\.213:\d+ to 192\.168\.1\.129:445\/TCP$/);
});

test('nfdump test1: profiles and no errors', { skip: hasNfdump ? false : 'the nfdump program is not installed' }, () => {
  const r = runSlips(['-f', join(SLIPS_DATA, 'test1-malicious.nfdump')]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(profiles(r.out) > 0);
  assert.deepEqual(inputErrors(r.out), []);
  const n = query<{ n: number }>(r.out, 'SELECT COUNT(*) AS n FROM flows')[0]!.n;
  const csvLines = spawnSync('nfdump', ['-b', '-N', '-q', '-o', 'csv', '-r', join(SLIPS_DATA, 'test1-malicious.nfdump')], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).length;
  assert.equal(n, csvLines);
  const f = JSON.parse(query<{ flow: string }>(r.out, 'SELECT flow FROM flows LIMIT 1')[0]!.flow) as { pkts: number; spkts: number; dpkts: number; type_: string };
  assert.equal(f.type_, 'nfdump');
  assert.equal(f.pkts, f.spkts + f.dpkts);
});

test('stdin: the same Zeek records through -f zeek and -f - give the evidence of reading the file', () => {
  const file = join(SLIPS_DATA, 'test9-mixed-zeek-dir', 'conn.log');
  const whole = runSlips(['-f', file]);
  assert.equal(whole.code, 0, whole.stderr);
  const expected = evidenceSet(whole.out);
  assert.ok(expected.length > 10);
  const text = readFileSync(file, 'utf8');
  for (const kw of ['zeek', '-']) {
    const r = runSlips(['-f', kw], { input: text });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(evidenceSet(r.out), expected, `stdin -f ${kw}`);
  }
});

test('stdin: Argus and Suricata by keyword; unknown data is one clear error', () => {
  const argus = runSlips(['-f', 'argus'], { input: readFileSync(join(SLIPS_DATA, 'test2-malicious.binetflow'), 'utf8') });
  assert.equal(argus.code, 0, argus.stderr);
  assert.ok(alertsLog(argus.out).some((l) => l.includes('Long Connection.')));
  const suri = runSlips(['-c', noWhitelistConfig(), '-f', 'suricata'], { input: readFileSync(join(SLIPS_DATA, 'test6-malicious.suricata.json'), 'utf8') });
  assert.equal(suri.code, 0, suri.stderr);
  assert.equal(evidenceTypes(suri.out).get('SURICATA_ALERT'), 745);
  const junk = runSlips(['-f', '-'], { input: 'hello\nworld\n' });
  assert.notEqual(junk.code, 0);
  assert.match(junk.stderr, /cannot tell the format of the data on stdin/);
});

test('stdin: binary nfdump data is read through the nfdump program', { skip: hasNfdump ? false : 'the nfdump program is not installed' }, () => {
  const r = spawnSync('bash', ['-c', `cat '${join(SLIPS_DATA, 'test1-malicious.nfdump')}' | '${process.execPath}' --import tsx src/cli/main.ts -f nfdump -o '${tempDir()}/o'`], { cwd: REPO, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Analysed 2398 flows/);
});

test('stdin: a pcap stream is recognised by its magic number and analysed like the file', () => {
  const pcap = join(SLIPS_DATA, 'test8-malicious.pcap');
  const whole = runSlips(['-f', pcap]);
  assert.equal(whole.code, 0, whole.stderr);
  const r = spawnSync('bash', ['-c', `cat '${pcap}' | '${process.execPath}' --import tsx src/cli/main.ts -f - -o '${tempDir()}/o'`], { cwd: REPO, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  assert.equal(r.status, 0, r.stderr);
  const flows = /Analysed (\d+) flows/.exec(whole.stdout)?.[1];
  assert.ok(flows && Number(flows) > 100);
  assert.match(r.stdout, new RegExp(`Analysed ${flows} flows`));
});

/** Runs `slips -g DIR` in the background; resolves once it is following (its slips.log exists). */
async function startGrowing(t: TestContext, dir: string, out: string): Promise<{ stop: () => Promise<number | null>; stderr: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli', 'main.ts'), '-g', dir, '-o', out], {
    cwd: REPO, env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  for (let i = 0; i < 300 && !existsSync(join(out, 'slips.log')); i++) await sleep(100);
  return { stop: async () => { child.kill('SIGTERM'); return exited; }, stderr: () => err };
}

test('growing folder (-g): lines appended while running, a line split across writes, rotation and a new log', async (t) => {
  const src = readFileSync(join(SLIPS_DATA, 'test9-mixed-zeek-dir', 'conn.log'), 'utf8').split('\n').filter(Boolean);
  const whole = runSlips(['-f', join(SLIPS_DATA, 'test9-mixed-zeek-dir', 'conn.log')]);
  const expected = evidenceSet(whole.out);
  const dir = join(tempDir(), 'zeek');
  mkdirSync(dir);
  writeFileSync(join(dir, 'conn.log'), src.slice(0, 100).join('\n') + '\n');
  const out = join(tempDir(), 'out');
  const slips = await startGrowing(t, dir, out);
  await sleep(500);
  // Appends in pieces, one line cut in the middle of a write.
  for (let i = 100; i < 300; i += 50) { appendFileSync(join(dir, 'conn.log'), src.slice(i, i + 50).join('\n') + '\n'); await sleep(100); }
  const cut = src[300]!;
  appendFileSync(join(dir, 'conn.log'), cut.slice(0, 40));
  await sleep(400);
  appendFileSync(join(dir, 'conn.log'), cut.slice(40) + '\n' + src.slice(301, 400).join('\n') + '\n');
  await sleep(300);
  // Rotation as Zeek does it: rename, then a new conn.log; the old name keeps receiving nothing.
  renameSync(join(dir, 'conn.log'), join(dir, 'conn.2024-01-01-00-00-00.log'));
  writeFileSync(join(dir, 'conn.log'), src.slice(400, 450).join('\n') + '\n');
  await sleep(300);
  appendFileSync(join(dir, 'conn.log'), src.slice(450).join('\n') + '\n');
  await sleep(600);
  const code = await slips.stop();
  assert.equal(code, 0, slips.stderr());
  assert.equal(query<{ n: number }>(out, 'SELECT COUNT(*) AS n FROM flows')[0]!.n, query<{ n: number }>(whole.out, 'SELECT COUNT(*) AS n FROM flows')[0]!.n);
  assert.deepEqual(evidenceSet(out), expected);
  assert.deepEqual(inputErrors(out), []);
});

test('growing folder: a whole multi-log folder present at start gives what -f gives', async (t) => {
  const folder = join(SLIPS_DATA, 'test9-mixed-zeek-dir');
  const whole = runSlips(['-f', folder]);
  const out = join(tempDir(), 'out');
  const slips = await startGrowing(t, folder, out);
  await sleep(1500);
  assert.equal(await slips.stop(), 0, slips.stderr());
  assert.deepEqual(evidenceSet(out), evidenceSet(whole.out));
});

test('-f on a folder still being written follows it until input_quiet_period passes', () => {
  const dir = join(tempDir(), 'zeek');
  mkdirSync(dir);
  writeFileSync(join(dir, 'conn.log'), readFileSync(join(SLIPS_DATA, 'test9-mixed-zeek-dir', 'conn.log')));
  // A modification time slightly ahead keeps the log "recently written" however slowly the
  // program starts on a loaded machine (the quiet period itself is measured on the reads).
  const ahead = Date.now() / 1000 + 30;
  utimesSync(join(dir, 'conn.log'), ahead, ahead);
  const cfg = join(tempDir(), 'q.yaml');
  writeFileSync(cfg, 'parameters:\n  input_quiet_period: 1\n');
  const r = runSlips(['-c', cfg, '-v', '2', '-f', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(readText(join(r.out, 'slips.log')), /followed until 1 s without new lines/);
  const whole = runSlips(['-f', join(SLIPS_DATA, 'test9-mixed-zeek-dir', 'conn.log')]);
  assert.deepEqual(evidenceSet(r.out), evidenceSet(whole.out));
});

test('-g and -f together, -g on a missing folder: one clear line each', () => {
  assert.match(runSlips(['-g', SLIPS_DATA, '-f', SLIPS_DATA]).stderr, /-g DIR and -f PATH cannot be used together/);
  assert.match(runSlips(['-g', join(SLIPS_DATA, 'nope')]).stderr, /-g needs a folder/);
});
