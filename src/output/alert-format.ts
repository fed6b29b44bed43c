// Text and IDMEFv2 renderings of evidence and alerts, in the original's formats (spec §4.2, §4.3, §4.5).
import type { Alert, Entity, Evidence } from '../evidence/types.js';
import { confidenceWord } from '../evidence/types.js';
import { humanLocal, isoLocal } from '../util/time.js';
import { pyJson, type Json } from './pyjson.js';

export const SLIPS_VERSION = '1.1.21';
export const IDMEF_VERSION = '2.0.3';

/** The description as logged: the detector's text plus " Threat level: <level>." */
export const fullDescription = (ev: Evidence): string => `${ev.description} Threat level: ${ev.threat_level}.`;

/** "Src IP <ip padded to 26>" with the host name when the profile has one. */
export function srcIpField(ip: string, hostname?: string): string {
  return (hostname ? `${ip} (${hostname})` : ip).padEnd(26);
}

const pyList = (xs: string[]): string => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

/** `key: value, ` for each non-empty enrichment fact, as the original's identification string. */
export function identification(e: Entity): string {
  let out = '';
  if (e.AS && (e.AS.org || e.AS.number)) {
    out += 'AS: ';
    if (e.AS.org) out += `org: ${e.AS.org}, `;
    if (e.AS.number) out += `number: ${e.AS.number}, `;
    out += ', ';
  }
  if (e.geocountry) out += `country: ${e.geocountry}, `;
  if (e.rDNS) out += `rDNS: ${e.rDNS}, `;
  if (e.SNI) out += `SNI: ${e.SNI}, `;
  if (e.TI) out += `TI: ${e.TI}, `;
  if (e.queries && e.queries.length) out += `queries: ${pyList(e.queries)}, `;
  return out;
}

function extraInfo(ev: Evidence): string {
  const parts: string[] = [];
  for (const e of [ev.attacker, ev.victim]) {
    if (!e || e.ioc_type !== 'IP') continue;
    const id = identification(e);
    if (id) parts.push(`IP ${e.value}: ${id}`);
  }
  return parts.join(', ');
}

export function evidenceLogLine(ev: Evidence, hostname?: string): string {
  return `${isoLocal(ev.timestamp)} (TW ${ev.timewindow}): Src IP ${srcIpField(ev.profile, hostname)}. Detected ${fullDescription(ev)} ${extraInfo(ev)}`;
}

export function alertLogLine(alert: Alert, blocked: boolean, hostname?: string): string {
  const what = blocked ? 'Is blocked ' : 'Generated an alert ';
  return `${isoLocal(alert.last_evidence.timestamp)}: Src IP ${srcIpField(alert.profile, hostname)}. ${what}given enough evidence on timewindow ${alert.timewindow}. (real time ${humanLocal(alert.alert_time)})`;
}

const SEVERITY: Record<Evidence['threat_level'], string> = { info: 'Info', low: 'Low', medium: 'Medium', high: 'High', critical: 'High' };
const idmefKey = (e: Entity): string => (e.ioc_type === 'IP' ? 'IP' : e.ioc_type === 'URL' ? 'URL' : 'Hostname');

function analyzer(method: string, ip: string): Json {
  return { IP: ip, Name: 'Slips', Model: SLIPS_VERSION, Category: ['NIDS'], Data: ['Flow', 'Network'], Method: [method] };
}

function entityNote(e: Entity, withTi: boolean): string | undefined {
  const note: Record<string, Json> = {};
  if (withTi && e.TI) note.TI = e.TI;
  if (e.AS) note.AS = { org: e.AS.org, number: e.AS.number };
  if (e.rDNS) note.rDNS = e.rDNS;
  if (e.SNI) note.SNI = e.SNI;
  return Object.keys(note).length ? pyJson(note) : undefined;
}


/** IDMEFv2 "Event" object for one evidence. */
export function idmefEvent(ev: Evidence, accumulated: number, createTime: number, analyzerIp = '0.0.0.0'): Json {
  const source: Record<string, Json | undefined> = { [idmefKey(ev.attacker)]: ev.attacker.value };
  const sNote = entityNote(ev.attacker, false);
  if (sNote) source.Note = sNote;
  if (ev.src_port !== null) source.Port = [ev.src_port];
  if (ev.proto) source.Protocol = [ev.proto];
  if (ev.attacker.TI) source.TI = [ev.attacker.TI];
  const obj: Record<string, Json | undefined> = {
    Version: IDMEF_VERSION,
    Analyzer: analyzer(ev.method, analyzerIp),
    Status: 'Event',
    ID: ev.id,
    Severity: SEVERITY[ev.threat_level],
    StartTime: isoLocal(ev.timestamp),
    CreateTime: isoLocal(createTime),
    Confidence: ev.confidence,
    Description: fullDescription(ev),
    Source: [source],
  };
  if (ev.victim) {
    const target: Record<string, Json | undefined> = { [idmefKey(ev.victim)]: ev.victim.value };
    const tNote = entityNote(ev.victim, true);
    if (tNote) target.Note = tNote;
    if (ev.dst_port !== null) target.Port = [ev.dst_port];
    obj.Target = [target];
  }
  if (ev.rel_id && ev.rel_id.length) obj.RelID = ev.rel_id;
  obj.Note = pyJson({ uids: ev.uid, accumulated_threat_level: accumulated, threat_level: ev.threat_level,
    confidence: confidenceWord(ev.confidence), timewindow: ev.timewindow });
  return obj;
}

/** IDMEFv2 "Incident" object for one alert. */
export function idmefIncident(alert: Alert, createTime: number): Json {
  return {
    Version: IDMEF_VERSION,
    Analyzer: analyzer('Heuristic', '0.0.0.0'),
    Source: [{ IP: alert.profile }],
    ID: alert.id,
    Status: 'Incident',
    StartTime: isoLocal(alert.tw_start),
    CreateTime: isoLocal(createTime),
    CorrelID: alert.correl_id,
    Note: pyJson({ accumulated_threat_level: alert.accumulated_threat_level, timewindow: alert.timewindow,
      EndTime: isoLocal(alert.tw_end) }),
  };
}

/** Wraps long evidence text every 155 characters with a 10-space indent, as the console print does. */
function wrap(text: string, width = 155): string {
  if (text.length <= width) return text;
  const out: string[] = [];
  for (let i = 0; i < text.length; i += width) out.push(text.slice(i, i + width));
  return out.join(`\n${' '.repeat(10)}`);
}

/** The console rendering of an alert: header plus one line per evidence. */
export function alertConsoleText(alert: Alert, evidence: Evidence[], hostname?: string): string {
  const who = hostname ? `${alert.profile} (${hostname})` : alert.profile;
  const head = `${humanLocal(alert.last_evidence.timestamp)} IP ${who} detected as malicious in timewindow ${alert.timewindow} ` +
    `(start ${humanLocal(alert.tw_start, false)}, stop ${humanLocal(alert.tw_end, false)}) given the following evidence:`;
  const lines = [...evidence].sort((a, b) => a.timestamp - b.timestamp).map((e) => `\t- ${wrap(`Detected ${fullDescription(e)}`)}`);
  return [head, ...lines].join('\n');
}
