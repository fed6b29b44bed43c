// Text and IDMEFv2 renderings of evidence and alerts, in the original's formats (spec §4.2, §4.3, §4.5).
import type { Alert, Entity, Evidence } from '../evidence/types.js';
import { confidenceWord } from '../evidence/types.js';
import { humanLocal, isoLocal } from '../util/time.js';
import { escapeNonAscii, pyJson, type Json } from './pyjson.js';
import { visibleText } from '../util/visible-text.js';
import { pyList } from '../util/py-format.js';

export const SLIPS_VERSION = '1.1.21';
export const IDMEF_VERSION = '2.0.3';

/** The description as logged: the detector's text plus " Threat level: <level>." */
export const fullDescription = (ev: Evidence): string => `${ev.description} Threat level: ${ev.threat_level}.`;

/** "Src IP <ip padded to 26>" with the host name when the profile has one. */
export function srcIpField(ip: string, hostname?: string): string {
  return (hostname ? `${ip} (${hostname})` : ip).padEnd(26);
}


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

// The text renderings below are one line each (the console one a line per evidence): attacker text
// in them (descriptions, host names, enrichment) is made visible so that it cannot forge a line.
export function evidenceLogLine(ev: Evidence, hostname?: string): string {
  return visibleText(`${isoLocal(ev.timestamp)} (TW ${ev.timewindow}): Src IP ${srcIpField(ev.profile, hostname)}. Detected ${fullDescription(ev)} ${extraInfo(ev)}`);
}

export function alertLogLine(alert: Alert, blocked: boolean, hostname?: string): string {
  const what = blocked ? 'Is blocked ' : 'Generated an alert ';
  return visibleText(`${isoLocal(alert.last_evidence.timestamp)}: Src IP ${srcIpField(alert.profile, hostname)}. ${what}given enough evidence on timewindow ${alert.timewindow}. (real time ${humanLocal(alert.alert_time)})`);
}

const SEVERITY: Record<Evidence['threat_level'], string> = { info: 'Info', low: 'Low', medium: 'Medium', high: 'High', critical: 'High' };
const idmefKey = (e: Entity): string => (e.ioc_type === 'IP' ? 'IP' : e.ioc_type === 'URL' ? 'URL' : 'Hostname');

function analyzer(method: string, ip: string): Json {
  return { IP: ip, Name: 'Slips', Model: SLIPS_VERSION, Category: ['NIDS'], Data: ['Flow', 'Network'], Method: [method] };
}

// The IDMEF event of every evidence is written as text directly (Python's separators, keys in the
// original's order): building nested objects and serialising them generically cost ~8 µs per
// evidence, most of it in objects with computed keys. test/core/idmef.test.ts checks the text
// against the object form.
const q = (s: string): string => JSON.stringify(s);
const n = (x: number | null | undefined): string => (typeof x === 'number' && Number.isFinite(x) ? String(x) : 'null');
const qList = (xs: readonly string[]): string => {
  let out = '[';
  for (let i = 0; i < xs.length; i++) out += (i ? ', ' : '') + q(xs[i]!);
  return out + ']';
};

/** pyJson of the facts noted about an entity, or undefined when there are none. */
function entityNote(e: Entity, withTi: boolean): string | undefined {
  let out = '';
  const add = (k: string, v: string): void => { out += `${out ? ', ' : ''}"${k}": ${v}`; };
  if (withTi && e.TI) add('TI', q(e.TI));
  if (e.AS) {
    let as = '';
    if (e.AS.org !== undefined) as += `"org": ${q(e.AS.org)}`;
    if (e.AS.number !== undefined) as += `${as ? ', ' : ''}"number": ${q(e.AS.number)}`;
    add('AS', `{${as}}`);
  }
  if (e.rDNS) add('rDNS', q(e.rDNS));
  if (e.SNI) add('SNI', q(e.SNI));
  // Escaped on its own first, as Python's json.dumps of the note did before it was embedded.
  return out ? escapeNonAscii(`{${out}}`) : undefined;
}

/** IDMEFv2 "Event" of one evidence, as one line of alerts.json (without the newline). */
export function idmefEventText(ev: Evidence, accumulated: number, createTime: number, analyzerIp = '0.0.0.0'): string {
  let source = `"${idmefKey(ev.attacker)}": ${q(ev.attacker.value)}`;
  const sNote = entityNote(ev.attacker, false);
  if (sNote) source += `, "Note": ${q(sNote)}`;
  if (ev.src_port !== null) source += `, "Port": [${n(ev.src_port)}]`;
  if (ev.proto) source += `, "Protocol": [${q(ev.proto)}]`;
  if (ev.attacker.TI) source += `, "TI": [${q(ev.attacker.TI)}]`;
  let out = `{"Version": "${IDMEF_VERSION}", "Analyzer": {"IP": ${q(analyzerIp)}, "Name": "Slips", "Model": "${SLIPS_VERSION}", ` +
    `"Category": ["NIDS"], "Data": ["Flow", "Network"], "Method": [${q(ev.method)}]}, "Status": "Event", "ID": ${q(ev.id)}, ` +
    `"Severity": "${SEVERITY[ev.threat_level]}", "StartTime": "${isoLocal(ev.timestamp)}", "CreateTime": "${isoLocal(createTime)}", ` +
    `"Confidence": ${n(ev.confidence)}, "Description": ${q(fullDescription(ev))}, "Source": [{${source}}]`;
  if (ev.victim) {
    let target = `"${idmefKey(ev.victim)}": ${q(ev.victim.value)}`;
    const tNote = entityNote(ev.victim, true);
    if (tNote) target += `, "Note": ${q(tNote)}`;
    if (ev.dst_port !== null) target += `, "Port": [${n(ev.dst_port)}]`;
    out += `, "Target": [{${target}}]`;
  }
  if (ev.rel_id && ev.rel_id.length) out += `, "RelID": ${qList(ev.rel_id)}`;
  const note = escapeNonAscii(`{"uids": ${qList(ev.uid)}, "accumulated_threat_level": ${n(accumulated)}, "threat_level": ${q(ev.threat_level)}, ` +
    `"confidence": ${q(confidenceWord(ev.confidence))}, "timewindow": ${n(ev.timewindow)}}`);
  return escapeNonAscii(`${out}, "Note": ${q(note)}}`);
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

/** The console rendering of an alert: header plus one line per evidence (long ones wrapped onto more lines). */
export function alertConsoleLines(alert: Alert, evidence: Evidence[], hostname?: string): string[] {
  const who = hostname ? `${alert.profile} (${hostname})` : alert.profile;
  const head = visibleText(`${humanLocal(alert.last_evidence.timestamp)} IP ${who} detected as malicious in timewindow ${alert.timewindow} ` +
    `(start ${humanLocal(alert.tw_start, false)}, stop ${humanLocal(alert.tw_end, false)}) given the following evidence:`);
  const lines = [...evidence].sort((a, b) => a.timestamp - b.timestamp)
    .flatMap((e) => `\t- ${wrap(visibleText(`Detected ${fullDescription(e)}`))}`.split('\n'));
  return [head, ...lines];
}
