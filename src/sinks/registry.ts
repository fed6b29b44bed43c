// Sinks beyond the built-in files and database, one line each (exporters, blocking, ...).
// Each factory decides from the settings whether it runs and returns null when it does not.
import type { SinkFactory, SinkSettingsCheck } from './sink.js';
import { exportSettings } from '../export/settings.js';
import { syslogSink, cefSink } from '../export/syslog-sink.js';
import { jsonLinesSink } from '../export/json-lines.js';
import { ideaSink } from '../export/idea.js';
import { slackSink } from '../export/slack.js';
import { stixSink } from '../export/stix-sink.js';

export const SINKS: SinkFactory[] = [
  syslogSink,     // exporting_alerts.export_to: syslog (RFC 5424)
  cefSink,        // export_to: cef (CEF over syslog)
  jsonLinesSink,  // export_to: json (IDMEFv2 JSON lines)
  ideaSink,       // export_to: idea (IDEA0 files for Warden Filer)
  slackSink,      // export_to: slack
  stixSink,       // export_to: stix (STIX_data.json + TAXII 2.1)
];

/** Settings checks of the sinks above, run before the output folder is touched. */
export const SINK_CHECKS: SinkSettingsCheck[] = [
  (s) => { exportSettings(s.raw); },  // exporting_alerts.*
];
