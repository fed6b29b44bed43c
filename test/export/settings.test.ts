// The exporting_alerts section: defaults, the exporter names, and one clear error per bad value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, defaultRawConfig, parseConfigText } from '../../src/config/config.ts';
import { exportSettings } from '../../src/export/settings.ts';
import { runSlips } from '../helpers/run.ts';
import { exportConfig, TEST13 } from './lib.ts';

test('defaults: nothing exported, the original TAXII settings, syslog on udp/514 local0', () => {
  const s = exportSettings(defaultRawConfig());
  assert.equal(s.exportTo.size, 0);
  assert.equal(s.taxii.server, 'localhost');
  assert.equal(s.taxii.port, 1234);
  assert.equal(s.taxii.discoveryPath, '/taxii2/');
  assert.equal(s.taxii.collection, 'Alerts');
  assert.equal(s.taxii.pushDelay, 3600);
  assert.deepEqual([s.syslog.protocol, s.syslog.port, s.syslog.facility], ['udp', 514, 16]);
  assert.equal(s.queueSize, 10000);
});

test('export_to names are case-insensitive; an unknown name, protocol or facility is one error naming the key', () => {
  const parse = (yaml: string) => exportSettings(parseConfigText(yaml, 'x.yaml'));
  assert.deepEqual([...parse('exporting_alerts:\n  export_to: [Slack, STIX]\n').exportTo], ['slack', 'stix']);
  assert.throws(() => parse('exporting_alerts:\n  export_to: [splunk]\n'), (e: Error) => e instanceof ConfigError && /export_to.*"splunk"/.test(e.message));
  assert.throws(() => parse('exporting_alerts:\n  syslog_protocol: sctp\n'), /syslog_protocol/);
  assert.throws(() => parse('exporting_alerts:\n  syslog_facility: local9\n'), /syslog_facility/);
  assert.throws(() => parse('exporting_alerts:\n  syslog_sd_id: "no at sign"\n'), /syslog_sd_id/);
  assert.throws(() => parse('exporting_alerts:\n  export_queue_size: 0\n'), /export_queue_size/);
});

test('a run with an unknown exporter does not start: one line, non-zero exit', () => {
  const r = runSlips(['-f', TEST13, '-c', exportConfig({ export_to: ['splunk'] })]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^slips: "exporting_alerts\.export_to" lists an unknown exporter "splunk" \(known: slack, stix, syslog, cef, json, idea\)\n$/m);
});
