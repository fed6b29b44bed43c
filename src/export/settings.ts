// The exporting_alerts section as typed settings, validated once for every exporter.
import { isAbsolute, join } from 'node:path';
import { ConfigError, type RawConfig } from '../config/config.js';

/** Names accepted in exporting_alerts.export_to: the original's two, then this project's. */
export const EXPORTERS = ['slack', 'stix', 'syslog', 'cef', 'json', 'idea'] as const;
export type ExporterName = (typeof EXPORTERS)[number];

export type SyslogProtocol = 'udp' | 'tcp' | 'unix';

export interface ExportSettings {
  exportTo: Set<ExporterName>;
  sensorName: string;
  queueSize: number;
  /** Seconds the end of a run waits for queued messages to be delivered. */
  closeTimeout: number;
  slack: { channel: string; tokenPath: string; apiUrl: string };
  syslog: { server: string; port: number; protocol: SyslogProtocol; socket: string; facility: number; sdId: string };
  taxii: {
    server: string; port: number; useHttps: boolean; discoveryPath: string; version: number; collection: string;
    pushDelay: number; directExport: boolean; workers: number; retryMax: number; retryBackoff: number;
    retryMaxDelay: number; username: string; password: string; timeout: number;
  };
  jsonLinesOutput: string;
  ideaDirectory: string;
}

/** RFC 5424 facility numbers by name. */
const FACILITIES: Record<string, number> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10,
  ftp: 11, ntp: 12, security: 13, console: 14, local0: 16, local1: 17, local2: 18, local3: 19, local4: 20,
  local5: 21, local6: 22, local7: 23,
};

const fail = (key: string, what: string): never => { throw new ConfigError(`"exporting_alerts.${key}" ${what}`); };

function positive(v: unknown, key: string, allowZero = false): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) fail(key, `must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${JSON.stringify(v)}`);
  return n;
}

export function exportSettings(raw: RawConfig): ExportSettings {
  const x = raw.exporting_alerts;
  const exportTo = new Set<ExporterName>();
  for (const item of x.export_to as unknown[]) {
    const name = String(item).trim().toLowerCase();
    if (!(EXPORTERS as readonly string[]).includes(name)) fail('export_to', `lists an unknown exporter ${JSON.stringify(item)} (known: ${EXPORTERS.join(', ')})`);
    exportTo.add(name as ExporterName);
  }
  const protocol = String(x.syslog_protocol).toLowerCase();
  if (protocol !== 'udp' && protocol !== 'tcp' && protocol !== 'unix') fail('syslog_protocol', `must be udp, tcp or unix, got ${JSON.stringify(x.syslog_protocol)}`);
  const facility = FACILITIES[String(x.syslog_facility).toLowerCase()];
  if (facility === undefined) fail('syslog_facility', `must be a syslog facility name (user, daemon, local0 ... local7), got ${JSON.stringify(x.syslog_facility)}`);
  const sdId = String(x.syslog_sd_id);
  // RFC 5424 SD-NAME: 1-32 printable ASCII characters except '=', ' ', ']' and '"'; a custom one holds '@'.
  if (!/^[!#-<>-\\^-~]{1,32}$/.test(sdId) || !sdId.includes('@')) fail('syslog_sd_id', `must look like name@enterprise-number (RFC 5424 SD-ID), got ${JSON.stringify(sdId)}`);
  const port = (v: unknown, key: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 65535) fail(key, `must be a port number, got ${JSON.stringify(v)}`);
    return n;
  };
  const tls = x.use_https;
  return {
    exportTo,
    sensorName: String(x.sensor_name),
    queueSize: Math.floor(positive(x.export_queue_size, 'export_queue_size')),
    closeTimeout: positive(x.export_close_timeout, 'export_close_timeout', true),
    slack: { channel: String(x.slack_channel_name), tokenPath: String(x.slack_api_path), apiUrl: String(x.slack_api_url) },
    syslog: { server: String(x.syslog_server), port: port(x.syslog_port, 'syslog_port'), protocol: protocol as SyslogProtocol,
      socket: String(x.syslog_socket), facility: facility!, sdId },
    taxii: {
      server: String(x.TAXII_server), port: port(x.port, 'port'), useHttps: tls === true || String(tls).toLowerCase() === 'true',
      discoveryPath: String(x.discovery_path), version: Number(x.taxii_version), collection: String(x.collection_name),
      pushDelay: positive(x.push_delay, 'push_delay'), directExport: Boolean(x.direct_export),
      workers: Math.max(1, Math.floor(positive(x.direct_export_workers, 'direct_export_workers'))),
      retryMax: Math.floor(positive(x.direct_export_retry_max, 'direct_export_retry_max', true)),
      retryBackoff: positive(x.direct_export_retry_backoff, 'direct_export_retry_backoff'),
      retryMaxDelay: positive(x.direct_export_retry_max_delay, 'direct_export_retry_max_delay'),
      username: String(x.taxii_username ?? ''), password: String(x.taxii_password ?? ''),
      timeout: positive(x.taxii_timeout, 'taxii_timeout'),
    },
    jsonLinesOutput: String(x.json_lines_output),
    ideaDirectory: String(x.idea_directory),
  };
}

/** A configured path: absolute as given, relative ones inside the run's output folder. */
export const inOutputDir = (outputDir: string, p: string): string => (isAbsolute(p) ? p : join(outputDir, p));
