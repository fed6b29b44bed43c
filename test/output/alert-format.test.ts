// alerts.json events are rendered as text directly; this checks them against the IDMEFv2 object
// form serialised with Python's separators (the structure the original writes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IDMEF_VERSION, SLIPS_VERSION, fullDescription, idmefEventText } from '../../src/output/alert-format.ts';
import { pyJson, type Json } from '../../src/output/pyjson.ts';
import { confidenceWord, type Entity, type Evidence } from '../../src/evidence/types.ts';
import { isoLocal } from '../../src/util/time.ts';

const SEVERITY = { info: 'Info', low: 'Low', medium: 'Medium', high: 'High', critical: 'High' } as const;
const key = (e: Entity): string => (e.ioc_type === 'IP' ? 'IP' : e.ioc_type === 'URL' ? 'URL' : 'Hostname');
function note(e: Entity, withTi: boolean): string | undefined {
  const o: Record<string, Json> = {};
  if (withTi && e.TI) o.TI = e.TI;
  if (e.AS) o.AS = { org: e.AS.org, number: e.AS.number };
  if (e.rDNS) o.rDNS = e.rDNS;
  if (e.SNI) o.SNI = e.SNI;
  return Object.keys(o).length ? pyJson(o) : undefined;
}
/** The object form of an event, field by field as the original builds it. */
function eventObject(ev: Evidence, accumulated: number, createTime: number): Json {
  const source: Record<string, Json | undefined> = { [key(ev.attacker)]: ev.attacker.value };
  const sNote = note(ev.attacker, false);
  if (sNote) source.Note = sNote;
  if (ev.src_port !== null) source.Port = [ev.src_port];
  if (ev.proto) source.Protocol = [ev.proto];
  if (ev.attacker.TI) source.TI = [ev.attacker.TI];
  const obj: Record<string, Json | undefined> = {
    Version: IDMEF_VERSION,
    Analyzer: { IP: '0.0.0.0', Name: 'Slips', Model: SLIPS_VERSION, Category: ['NIDS'], Data: ['Flow', 'Network'], Method: [ev.method] },
    Status: 'Event', ID: ev.id, Severity: SEVERITY[ev.threat_level], StartTime: isoLocal(ev.timestamp), CreateTime: isoLocal(createTime),
    Confidence: ev.confidence, Description: fullDescription(ev), Source: [source],
  };
  if (ev.victim) {
    const target: Record<string, Json | undefined> = { [key(ev.victim)]: ev.victim.value };
    const tNote = note(ev.victim, true);
    if (tNote) target.Note = tNote;
    if (ev.dst_port !== null) target.Port = [ev.dst_port];
    obj.Target = [target];
  }
  if (ev.rel_id && ev.rel_id.length) obj.RelID = ev.rel_id;
  obj.Note = pyJson({ uids: ev.uid, accumulated_threat_level: accumulated, threat_level: ev.threat_level,
    confidence: confidenceWord(ev.confidence), timewindow: ev.timewindow });
  return obj;
}

test('IDMEF event text equals the object form with Python separators (hostile strings included)', () => {
  const text = fc.string({ unit: fc.constantFrom('a', 'é', '"', '\\', '\n', '\u2028', '😀', ',', ':', ' ', '\t', '{') , maxLength: 12 });
  const entity = (direction: 'SRC' | 'DST') => fc.record({
    direction: fc.constant(direction), ioc_type: fc.constantFrom('IP', 'DOMAIN', 'URL'), value: text,
    AS: fc.option(fc.record({ org: text, number: text }), { nil: undefined }),
    rDNS: fc.option(text, { nil: undefined }), SNI: fc.option(text, { nil: undefined }), TI: fc.option(text, { nil: undefined }),
  }, { requiredKeys: ['direction', 'ioc_type', 'value'] });
  const evidence = fc.record({
    id: text, evidence_type: fc.constant('X'), description: text, attacker: entity('SRC'), victim: fc.option(entity('DST'), { nil: null }),
    profile: text, timewindow: fc.integer({ min: 0, max: 1000 }), threat_level: fc.constantFrom('info', 'low', 'medium', 'high', 'critical'),
    confidence: fc.double({ min: 0, max: 1, noNaN: true }), uid: fc.array(text, { maxLength: 3 }), timestamp: fc.double({ min: 1e9, max: 2e9, noNaN: true }),
    interface: fc.constant('default'), proto: fc.constantFrom('TCP', 'UDP', 'ICMP', null), src_port: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: null }),
    dst_port: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: null }), method: fc.constantFrom('Heuristic', 'Signature'),
    rel_id: fc.option(fc.array(text, { maxLength: 2 }), { nil: null }),
  });
  fc.assert(fc.property(evidence, fc.double({ min: 0, max: 100, noNaN: true }), (ev, acc) => {
    const e = ev as unknown as Evidence;
    assert.equal(idmefEventText(e, acc, 1_700_000_000.5), pyJson(eventObject(e, acc, 1_700_000_000.5)));
  }), { numRuns: 500 });
});
