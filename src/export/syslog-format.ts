// RFC 5424 syslog messages and ArcSight CEF lines for evidence and alerts, with each format's
// escaping applied to every attacker-controlled string.
import { hostname } from 'node:os';
import type { Alert, Evidence, ThreatLevel } from '../evidence/types.js';
import { fullDescription, SLIPS_VERSION } from '../output/alert-format.js';
import { visible } from '../util/visible.js';
import { isIpAddress } from '../util/ip.js';

/** Syslog severity of a threat level: critical 2, high 3 (error), medium 4 (warning), low 5 (notice), info 6. */
const SEVERITY: Record<ThreatLevel, number> = { critical: 2, high: 3, medium: 4, low: 5, info: 6 };
/** CEF severity (0-10) of a threat level. */
const CEF_SEVERITY: Record<ThreatLevel, number> = { info: 1, low: 3, medium: 5, high: 8, critical: 10 };

/** Largest message sent (rsyslog's default maxMessageSize); longer ones are cut at a character boundary. */
export const MAX_MESSAGE_BYTES = 8192;

/** RFC 5424 TIMESTAMP of an epoch in UTC with microseconds. */
export function rfc3339Micro(epoch: number): string {
  const whole = Math.floor(epoch);
  const micros = Math.round((epoch - whole) * 1e6);
  const [s, us] = micros >= 1e6 ? [whole + 1, 0] : [whole, micros];
  return `${new Date(s * 1000).toISOString().slice(0, 19)}.${String(us).padStart(6, '0')}Z`;
}

/** A header field (HOSTNAME, APP-NAME, ...): printable US-ASCII without spaces, at most `max` long, "-" when empty. */
export function headerField(s: string, max: number): string {
  const clean = s.replace(/[^!-~]/g, '').slice(0, max);
  return clean || '-';
}

// Control characters are made visible first (ESC becomes the four characters \x1b), then the
// format's own escaping runs over the result, so a receiver that decodes the format reads "\x1b".
/** SD-PARAM value: '"', '\' and ']' backslash-escaped (RFC 5424 6.3.3). */
export const sdValue = (s: string): string => visible(s).replace(/["\\\]]/g, (c) => `\\${c}`);
/** CEF header field: '\' and '|' escaped. */
export const cefHeader = (s: string): string => visible(s).replace(/[\\|]/g, (c) => `\\${c}`);
/** CEF extension value: '\' and '=' escaped; line breaks are control characters like any other. */
export const cefValue = (s: string): string => visible(s).replace(/[\\=]/g, (c) => `\\${c}`);

/** Cuts a string so its UTF-8 form is at most `bytes` long, without splitting a character. */
export function cutUtf8(s: string, bytes: number): string {
  if (Buffer.byteLength(s) <= bytes) return s;
  const buf = Buffer.from(s).subarray(0, bytes);
  // Drop a trailing partial sequence: back up over continuation bytes to the lead byte.
  let end = buf.length;
  let i = end - 1;
  while (i >= 0 && (buf[i]! & 0xc0) === 0x80) i--;
  if (i >= 0) {
    const lead = buf[i]!;
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (end - i < need) end = i;
  }
  return buf.subarray(0, end).toString('utf8');
}

export interface SyslogIdentity {
  facility: number;
  sdId: string;
  sensor: string;
  hostname: string;
  pid: number;
}

export const localIdentity = (facility: number, sdId: string, sensor: string): SyslogIdentity =>
  ({ facility, sdId, sensor, hostname: headerField(hostname(), 255), pid: process.pid });

function frame(id: SyslogIdentity, severity: number, time: number, msgId: string, sd: string, msg: string): string {
  const head = `<${id.facility * 8 + severity}>1 ${rfc3339Micro(time)} ${id.hostname} slips ${id.pid} ${msgId} ${sd} `;
  return head + cutUtf8(msg, MAX_MESSAGE_BYTES - Buffer.byteLength(head));
}

function sd(id: SyslogIdentity, params: [string, string | number | null | undefined][]): string {
  let out = `[${id.sdId}`;
  for (const [k, v] of params) if (v !== null && v !== undefined && v !== '') out += ` ${k}="${sdValue(String(v))}"`;
  return `${out}]`;
}

export function syslogEvidence(id: SyslogIdentity, ev: Evidence): string {
  const params: [string, string | number | null | undefined][] = [
    ['id', ev.id], ['type', ev.evidence_type], ['profile', ev.profile], ['tw', ev.timewindow], ['threat_level', ev.threat_level],
    ['confidence', ev.confidence], ['attacker', ev.attacker.value], ['attacker_type', ev.attacker.ioc_type],
    ['victim', ev.victim?.value], ['victim_type', ev.victim?.ioc_type], ['proto', ev.proto], ['sport', ev.src_port],
    ['dport', ev.dst_port], ['sensor', id.sensor],
  ];
  return frame(id, SEVERITY[ev.threat_level], ev.timestamp, 'evidence', sd(id, params),
    visible(`Src IP ${ev.profile} Detected ${fullDescription(ev)}`));
}

export function syslogAlert(id: SyslogIdentity, alert: Alert, evidence: readonly Evidence[]): string {
  const params: [string, string | number | null | undefined][] = [
    ['id', alert.id], ['profile', alert.profile], ['tw', alert.timewindow], ['tw_start', rfc3339Micro(alert.tw_start)],
    ['tw_end', rfc3339Micro(alert.tw_end)], ['accumulated_threat_level', round(alert.accumulated_threat_level)],
    ['confidence', round(alert.confidence)], ['evidence', evidence.length], ['sensor', id.sensor],
  ];
  return frame(id, SEVERITY.critical, alert.last_evidence.timestamp, 'alert', sd(id, params),
    visible(`Src IP ${alert.profile} Generated an alert given enough evidence on timewindow ${alert.timewindow}.`));
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

type Ext = [string, string | number | null | undefined][];

function cefLine(eventClass: string, name: string, severity: number, ext: Ext): string {
  let out = `CEF:0|Stratosphere|Slips|${SLIPS_VERSION}|${cefHeader(eventClass)}|${cefHeader(name)}|${severity}|`;
  let first = true;
  for (const [k, v] of ext) {
    if (v === null || v === undefined || v === '') continue;
    out += `${first ? '' : ' '}${k}=${cefValue(String(v))}`;
    first = false;
  }
  return out;
}

/** src/dst (IPv4), c6a2/c6a3 (IPv6, labelled) or shost/dhost and request for domains and URLs. */
function endpoint(ext: Ext, side: 'src' | 'dst', value: string | undefined, type: string | undefined): void {
  if (!value) return;
  if (type === 'IP' && isIpAddress(value)) {
    if (value.includes(':')) {
      const key = side === 'src' ? 'c6a2' : 'c6a3';
      ext.push([`${key}Label`, side === 'src' ? 'Source IPv6 Address' : 'Destination IPv6 Address'], [key, value]);
    } else ext.push([side, value]);
  } else if (type === 'URL') ext.push(['request', value]);
  else ext.push([side === 'src' ? 'shost' : 'dhost', value]);
}

export function cefEvidence(id: SyslogIdentity, ev: Evidence): string {
  const ext: Ext = [['rt', Math.round(ev.timestamp * 1000)], ['externalId', ev.id], ['cat', 'evidence']];
  endpoint(ext, ev.attacker.direction === 'SRC' ? 'src' : 'dst', ev.attacker.value, ev.attacker.ioc_type);
  if (ev.victim) endpoint(ext, ev.victim.direction === 'SRC' ? 'src' : 'dst', ev.victim.value, ev.victim.ioc_type);
  const srcIsAttacker = ev.attacker.direction === 'SRC';
  ext.push(['spt', srcIsAttacker ? ev.src_port : ev.dst_port], ['dpt', srcIsAttacker ? ev.dst_port : ev.src_port],
    ['proto', ev.proto], ['cs1Label', 'Profile'], ['cs1', ev.profile], ['cn1Label', 'Time window'], ['cn1', ev.timewindow],
    ['cfp1Label', 'Confidence'], ['cfp1', ev.confidence], ['deviceExternalId', id.sensor], ['dvchost', id.hostname],
    ['msg', fullDescription(ev)]);
  return cefLine(ev.evidence_type, ev.description.slice(0, 512), CEF_SEVERITY[ev.threat_level], ext);
}

export function cefAlert(id: SyslogIdentity, alert: Alert, evidence: readonly Evidence[]): string {
  const ext: Ext = [['rt', Math.round(alert.last_evidence.timestamp * 1000)], ['externalId', alert.id], ['cat', 'alert'],
    ['start', Math.round(alert.tw_start * 1000)], ['end', Math.round(alert.tw_end * 1000)], ['cnt', evidence.length]];
  endpoint(ext, 'src', alert.profile, 'IP');
  ext.push(['cs1Label', 'Profile'], ['cs1', alert.profile], ['cn1Label', 'Time window'], ['cn1', alert.timewindow],
    ['cfp1Label', 'Confidence'], ['cfp1', round(alert.confidence)], ['cfp2Label', 'Accumulated threat level'],
    ['cfp2', round(alert.accumulated_threat_level)], ['deviceExternalId', id.sensor], ['dvchost', id.hostname]);
  return cefLine('ALERT', `Generated an alert given enough evidence on timewindow ${alert.timewindow}`, CEF_SEVERITY.critical, ext);
}

/** A CEF line carried as the MSG of an RFC 5424 message (no structured data). */
export const syslogCarrying = (id: SyslogIdentity, level: ThreatLevel, time: number, msgId: string, cef: string): string =>
  frame(id, SEVERITY[level], time, msgId, '-', cef);
