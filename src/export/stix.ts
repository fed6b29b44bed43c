// STIX 2.1 Indicators of evidence, with the original's fields (name, description, pattern, labels,
// valid_from and the x_slips_* properties), and the bundle file exporting_alerts/STIX_data.json.
// The file is valid JSON after every flush: new objects are written over the closing brackets.
import { closeSync, mkdirSync, openSync, writeSync, ftruncateSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import type { Evidence } from '../evidence/types.js';
import { fullDescription } from '../output/alert-format.js';
import { isIpAddress } from '../util/ip.js';
import { rfc3339Micro } from './syslog-format.js';

export type StixIndicator = {
  type: 'indicator'; spec_version: '2.1'; id: string; created: string; modified: string;
  name: string; description: string; pattern: string; pattern_type: 'stix'; valid_from: string; labels: string[];
  date_added: string;
} & { [custom: `x_slips_${string}`]: unknown };

/** A STIX pattern string literal: quotes and backslashes escaped (STIX 2.1 patterning, 9.1). */
const literal = (s: string): string => `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;

/** The comparison expression matching an attacker value, or null when STIX has no object for it. */
export function stixPattern(value: string, iocType: Evidence['attacker']['ioc_type']): string | null {
  if (iocType === 'IP') {
    if (!isIpAddress(value)) return null;
    return `[${value.includes(':') ? 'ipv6-addr' : 'ipv4-addr'}:value = ${literal(value)}]`;
  }
  if (iocType === 'DOMAIN') return `[domain-name:value = ${literal(value)}]`;
  if (iocType === 'URL') return `[url:value = ${literal(value)}]`;
  if (iocType === 'MD5') return /^[0-9a-fA-F]{32}$/.test(value) ? `[file:hashes.MD5 = ${literal(value.toLowerCase())}]` : null;
  return null;
}

/** STIX timestamps of created/modified: UTC with milliseconds. */
const stixNow = (epoch: number): string => new Date(Math.floor(epoch * 1000)).toISOString();

/**
 * The Indicator of an evidence, or null when no pattern can be made. As the original, the pattern
 * is for the attacker, falling back to the profile IP, then to the victim.
 */
export function indicatorOf(ev: Evidence, now: number): StixIndicator | null {
  const candidates: [string, Evidence['attacker']['ioc_type']][] = [[ev.attacker.value, ev.attacker.ioc_type], [ev.profile, 'IP']];
  if (ev.victim) candidates.push([ev.victim.value, ev.victim.ioc_type]);
  let pattern: string | null = null;
  for (const [v, t] of candidates) if (v && (pattern = stixPattern(v, t))) break;
  if (!pattern) return null;
  const created = stixNow(now);
  const validFrom = rfc3339Micro(ev.timestamp);
  const ind: StixIndicator = {
    type: 'indicator', spec_version: '2.1', id: `indicator--${ev.id}`, created, modified: created,
    name: ev.evidence_type, description: fullDescription(ev), pattern, pattern_type: 'stix', valid_from: validFrom,
    labels: [ev.evidence_type.toLowerCase(), ev.threat_level],
    x_slips_evidence_id: ev.id, x_slips_threat_level: ev.threat_level.toUpperCase(), x_slips_profile_ip: ev.profile,
    x_slips_timewindow: ev.timewindow, x_slips_attacker_direction: ev.attacker.direction, date_added: validFrom,
  };
  if (ev.attacker.TI) ind.x_slips_attacker_ti = ev.attacker.TI;
  if (ev.victim?.value) ind.x_slips_victim = ev.victim.value;
  if (ev.uid.length) ind.x_slips_flow_uids = ev.uid;
  if (ev.dst_port) ind.x_slips_dst_port = ev.dst_port;
  if (ev.src_port) ind.x_slips_src_port = ev.src_port;
  return ind;
}

const indent = (json: string, pad: string): string => json.split('\n').map((l) => pad + l).join('\n');

/** STIX_data.json: one bundle, rewritten only at its end as objects are added. */
export class BundleFile {
  private readonly fd: number;
  private readonly head: string;
  private pending: string[] = [];
  private count = 0;
  /** Byte offset where the closing "\n    ]\n}\n" starts. */
  private end = 0;
  private static readonly TAIL = '\n    ]\n}\n';

  constructor(readonly path: string, bundleId = `bundle--${randomUUID()}`) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'w');
    this.head = `{\n    "type": "bundle",\n    "id": "${bundleId}"`;
    // Until the first object a bundle has no "objects" (STIX 2.1 requires at least one when present).
    writeSync(this.fd, `${this.head}\n}\n`, 0);
  }

  get objects(): number { return this.count + this.pending.length; }

  add(obj: object): void { this.pending.push(indent(JSON.stringify(obj, null, 4), '        ')); }

  flush(): void {
    if (!this.pending.length) return;
    let text: string, at: number;
    if (this.count === 0) { text = `${this.head},\n    "objects": [\n${this.pending.join(',\n')}`; at = 0; }
    else { text = `,\n${this.pending.join(',\n')}`; at = this.end; }
    const bytes = Buffer.from(text + BundleFile.TAIL);
    writeSync(this.fd, bytes, 0, bytes.length, at);
    this.end = at + bytes.length - Buffer.byteLength(BundleFile.TAIL);
    ftruncateSync(this.fd, this.end + Buffer.byteLength(BundleFile.TAIL));
    this.count += this.pending.length;
    this.pending = [];
  }

  close(): void { this.flush(); closeSync(this.fd); }
}
