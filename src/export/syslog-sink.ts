// export_to: syslog (RFC 5424 with structured data) and cef (CEF lines carried by syslog).
import { ConfigError } from '../config/config.js';
import type { SinkContext, SinkFactory } from '../sinks/sink.js';
import type { Transport } from './queue.js';
import { exportSettings, type ExportSettings } from './settings.js';
import { queuedSink, SENDER } from './common.js';
import { cefAlert, cefEvidence, localIdentity, syslogAlert, syslogCarrying, syslogEvidence } from './syslog-format.js';
import { StreamTransport, UdpTransport } from './syslog-transport.js';

export function syslogTransport(s: ExportSettings['syslog']): Transport<string> {
  if (s.protocol === 'udp') return new UdpTransport(s.server, s.port);
  if (s.protocol === 'tcp') return new StreamTransport({ host: s.server, port: s.port });
  if (!s.socket) throw new ConfigError('"exporting_alerts.syslog_socket" must name a socket when syslog_protocol is unix');
  return new StreamTransport({ path: s.socket });
}

export const syslogSink: SinkFactory = (ctx: SinkContext) => {
  const s = exportSettings(ctx.settings.raw);
  if (!s.exportTo.has('syslog')) return null;
  const id = localIdentity(s.syslog.facility, s.syslog.sdId, s.sensorName);
  const transport = syslogTransport(s.syslog);
  ctx.print(SENDER, `Exporting evidence and alerts to syslog at ${transport.description}.`);
  return queuedSink('syslog', ctx, s, transport, {
    evidence: (ev) => syslogEvidence(id, ev),
    alert: (a, evs) => syslogAlert(id, a, evs),
  });
};

export const cefSink: SinkFactory = (ctx: SinkContext) => {
  const s = exportSettings(ctx.settings.raw);
  if (!s.exportTo.has('cef')) return null;
  const id = localIdentity(s.syslog.facility, s.syslog.sdId, s.sensorName);
  const transport = syslogTransport(s.syslog);
  ctx.print(SENDER, `Exporting evidence and alerts as CEF to syslog at ${transport.description}.`);
  return queuedSink('cef', ctx, s, transport, {
    evidence: (ev) => syslogCarrying(id, ev.threat_level, ev.timestamp, 'evidence', cefEvidence(id, ev)),
    alert: (a, evs) => syslogCarrying(id, 'critical', a.last_evidence.timestamp, 'alert', cefAlert(id, a, evs)),
  });
};
