import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, defaultRawConfig, deriveSettings, parseConfigText } from '../../src/config/config.ts';
import { REPO } from '../helpers/run.ts';

test('defaults are the original slips.yaml defaults', () => {
  const s = deriveSettings(defaultRawConfig());
  assert.equal(s.width, 3600);
  assert.equal(s.analysisDirection, 'out');
  assert.equal(s.evidenceDetectionThreshold, 0.25);
  assert.equal(s.longConnectionThreshold, 1500);
  assert.equal(s.dataExfiltrationThresholdMB, 500);
  assert.equal(s.entropyThreshold, 5);
  assert.equal(s.pastebinDownloadThreshold, 700);
  assert.equal(s.sshSuccessfulThreshold, 4290);
  assert.equal(s.sshAttemptThreshold, 9);
  assert.equal(s.exportFormat, 'json');
  assert.deepEqual(s.disabledModules, ['template']);
});

test('the shipped config/slips.yaml is valid and keeps the defaults', () => {
  const file = join(REPO, 'config', 'slips.yaml');
  const s = deriveSettings(parseConfigText(readFileSync(file, 'utf8'), file));
  assert.equal(s.width, 3600);
  assert.equal(s.alertThreshold, 15);
});

test('values override defaults; only_one_tw and client_ips are understood', () => {
  const raw = parseConfigText(`
parameters:
  time_window_width: only_one_tw
  analysis_direction: all
  client_ips: [192.168.1.0/24, 10.0.0.5]
DisabledAlerts:
  disabled_detections: [UNKNOWN_PORT]
flowalerts:
  long_connection_threshold: 60
`, 'x.yaml');
  const s = deriveSettings(raw);
  assert.equal(s.onlyOneTw, true);
  assert.equal(s.width, 9_999_999_999);
  assert.equal(s.analysisDirection, 'all');
  assert.deepEqual(s.clientIps, ['192.168.1.0/24', '10.0.0.5']);
  assert.ok(s.disabledDetections.has('UNKNOWN_PORT'));
  assert.equal(s.longConnectionThreshold, 60, 'legacy section name flowalerts maps to flow_alerts');
});

test('an unknown key is one clear error naming it', () => {
  assert.throws(() => parseConfigText('parameters:\n  time_window_wdth: 60\n', 'c.yaml'),
    (e: Error) => e instanceof ConfigError && e.message === 'c.yaml: unknown key "parameters.time_window_wdth"');
});

test('an unknown section is an error', () => {
  assert.throws(() => parseConfigText('paramters:\n  verbose: 1\n', 'c.yaml'), /unknown section "paramters"/);
});

test('an ill-typed value is an error naming the key and the expected type', () => {
  assert.throws(() => parseConfigText('flow_alerts:\n  long_connection_threshold: "long"\n', 'c.yaml'),
    /"flow_alerts.long_connection_threshold" must be a number, got "long"/);
  assert.throws(() => parseConfigText('parameters:\n  time_window_width: -5\n', 'c.yaml'), /time_window_width/);
  assert.throws(() => deriveSettings(parseConfigText('parameters:\n  analysis_direction: sideways\n', 'c.yaml')), /analysis_direction/);
});

test('invalid YAML is reported with the file name', () => {
  assert.throws(() => parseConfigText('parameters: [\n', 'bad.yaml'), /bad.yaml: not valid YAML/);
});
