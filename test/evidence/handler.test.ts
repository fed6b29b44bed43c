// The alert rule: threat values, weighted accumulation, threshold, reset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EvidenceHandler, type EvidenceOutputs } from '../../src/evidence/handler.ts';
import { IdGenerator } from '../../src/evidence/ids.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { TimeWindowGrid } from '../../src/profiler/timewindows.ts';
import { THREAT_VALUE, alertConfidence, type Alert, type Evidence, type ThreatLevel } from '../../src/evidence/types.ts';
import { deriveSettings, defaultRawConfig } from '../../src/config/config.ts';


function setup(threshold = 0.25, width = 3600, disabled: string[] = []) {
  const raw = defaultRawConfig();
  raw.detection.evidence_detection_threshold = threshold;
  raw.parameters.time_window_width = width;
  raw.DisabledAlerts.disabled_detections = disabled;
  const settings = deriveSettings(raw);
  const grid = new TimeWindowGrid(settings.width);
  grid.numberFor(1000);
  const store = new MemoryStore();
  const log: { ev: Evidence; acc: number }[] = [];
  const alerts: { alert: Alert; members: Evidence[] }[] = [];
  const outputs: EvidenceOutputs = {
    evidence: (ev, acc) => { log.push({ ev, acc }); },
    alert: (alert, members) => { alerts.push({ alert, members }); },
  };
  const ids = new IdGenerator('test');
  const handler = new EvidenceHandler({ alertThreshold: settings.alertThreshold, disabledDetections: settings.disabledDetections,
    now: () => 0 }, store, grid, outputs, ids);
  let n = 0;
  const make = (level: ThreatLevel, confidence: number, opts: Partial<Evidence> = {}): Evidence => ({
    id: ids.next(), evidence_type: 'UNKNOWN_PORT', description: `e${n++}`,
    attacker: { direction: 'SRC', ioc_type: 'IP', value: '10.0.0.1' }, victim: null, threat_level: level, confidence,
    profile: '10.0.0.1', timewindow: 1, uid: [`C${n}`], timestamp: 1000 + n, interface: 'default', proto: 'TCP',
    src_port: 1, dst_port: 2, method: 'Heuristic', rel_id: null, ...opts,
  });
  return { settings, handler, log, alerts, make, store };
}

test('threat values are info 0, low 0.2, medium 0.5, high 0.8, critical 1', () => {
  assert.deepEqual(THREAT_VALUE, { info: 0, low: 0.2, medium: 0.5, high: 0.8, critical: 1 });
});

test('the effective threshold is evidence_detection_threshold x width / 60 (15 by default)', () => {
  assert.equal(setup().settings.alertThreshold, 15);
  assert.equal(setup(0.25, 600).settings.alertThreshold, 2.5);
  assert.equal(setup(0.08).settings.alertThreshold, 4.8);
});

test('19 high evidence with confidence 1 raise one alert at the 19th (15.2 >= 15)', () => {
  const s = setup();
  for (let i = 0; i < 18; i++) s.handler.handle(s.make('high', 1));
  assert.equal(s.alerts.length, 0);
  assert.ok(Math.abs(s.log.at(-1)!.acc - 14.4) < 1e-9);
  s.handler.handle(s.make('high', 1));
  assert.equal(s.alerts.length, 1);
  const a = s.alerts[0]!.alert;
  assert.ok(Math.abs(a.accumulated_threat_level - 15.2) < 1e-9);
  assert.equal(a.correl_id.length, 19);
  assert.equal(a.threat_level, 'critical');
  assert.ok(Math.abs(a.confidence - (15.2 - 4.8) / 21.2) < 1e-9);
  assert.equal(a.tw_start, 1000);
  assert.equal(a.tw_end, 4600);
});

test('weighted by confidence: 30 medium evidence at confidence 1 alert at exactly 15', () => {
  const s = setup();
  for (let i = 0; i < 29; i++) s.handler.handle(s.make('medium', 1));
  assert.equal(s.alerts.length, 0);
  s.handler.handle(s.make('medium', 1));
  assert.equal(s.alerts.length, 1);
});

test('info evidence and evidence where the profile is the victim (DST attacker) never accumulate', () => {
  const s = setup();
  for (let i = 0; i < 100; i++) s.handler.handle(s.make('info', 1));
  for (let i = 0; i < 100; i++) {
    s.handler.handle(s.make('critical', 1, { attacker: { direction: 'DST', ioc_type: 'IP', value: '8.8.8.8' } }));
  }
  assert.equal(s.alerts.length, 0);
  assert.equal(s.log.at(-1)!.acc, 0);
});

test('after an alert the sum restarts from 0 and earlier evidence does not join the next alert', () => {
  const s = setup();
  for (let i = 0; i < 19; i++) s.handler.handle(s.make('high', 1));
  s.handler.handle(s.make('info', 1));
  for (let i = 0; i < 18; i++) s.handler.handle(s.make('high', 1));
  assert.equal(s.alerts.length, 1);
  s.handler.handle(s.make('high', 1));
  assert.equal(s.alerts.length, 2);
  const second = s.alerts[1]!;
  assert.equal(second.members.length, 20); // the info evidence plus 19 high
  assert.ok(second.members.every((e) => !s.alerts[0]!.alert.correl_id.includes(e.id)));
});

test('windows accumulate separately', () => {
  const s = setup();
  for (let i = 0; i < 10; i++) s.handler.handle(s.make('high', 1, { timewindow: 1 }));
  for (let i = 0; i < 10; i++) s.handler.handle(s.make('high', 1, { timewindow: 2 }));
  assert.equal(s.alerts.length, 0);
});

test('disabled detections are dropped by evidence type name', () => {
  const s = setup(0.25, 3600, ['UNKNOWN_PORT']);
  for (let i = 0; i < 30; i++) s.handler.handle(s.make('critical', 1));
  assert.equal(s.log.length, 0);
  assert.equal(s.alerts.length, 0);
});

test('confidence above 1 is clamped when stored; alert confidence is not clamped', () => {
  const s = setup();
  s.handler.handle(s.make('high', 7));
  assert.equal(s.log[0]!.ev.confidence, 1);
  assert.ok(alertConfidence(40) > 1);
});
