/**
 * Comparison of the application logs (dns, http, ssl, x509, ssh, dhcp, files, weird, ftp) with
 * Zeek's baselines: rows keyed on the connection 5-tuple plus a per-log discriminator, every
 * field the baseline has compared as Zeek's TSV writer prints it, except ts, uid(s) and fuids.
 */
import path from 'node:path';
import { analysePcap } from '../../src/capture/engine.js';
import { createAnalyzerFactory, type AnalyzerOptions } from '../../src/capture/analyzers/index.js';
import { APP_SCHEMAS } from '../../src/capture/analyzers/schemas.js';
import type { PacketEngineOptions } from '../../src/capture/options.js';
import { connFields, formatZeekValue } from '../../src/capture/zeek-writer.js';
import { DATA_DIR, matchRows, type ZeekLog } from './conformance-lib.js';

export type Records = Map<string, Record<string, unknown>[]>;

export async function runWithAnalyzers(pcap: string, opts: PacketEngineOptions, appOpts: AnalyzerOptions = {}): Promise<Records> {
  const out: Records = new Map();
  await analysePcap(
    path.join(DATA_DIR, pcap),
    opts,
    (log, rec) => {
      let l = out.get(log);
      if (!l) out.set(log, (l = []));
      l.push(rec);
    },
    () => {},
    createAnalyzerFactory(appOpts),
  );
  return out;
}

const TYPES = new Map<string, Map<string, string>>();
function typesOf(log: string): Map<string, string> {
  let m = TYPES.get(log);
  if (!m) {
    const fields = log === 'conn' ? connFields(true) : (APP_SCHEMAS[log] ?? []);
    m = new Map(fields.map((f) => [f.name, f.type]));
    TYPES.set(log, m);
  }
  return m;
}

/** fields never compared: per-run identifiers and times */
const SKIP = new Set(['ts', 'uid', 'uids', 'fuid', 'orig_fuids', 'resp_fuids', 'cert_chain_fuids', 'client_cert_chain_fuids', 'fuids']);

export interface AppCompare {
  log: string;
  expectedRows: number;
  identical: number;
  unmatched: string[];
  extra: number;
  diffs: Array<{ key: string; field: string; expected: string; actual: string }>;
}

function tuple(r: Record<string, string>): string {
  return `${r['id.orig_h']}:${r['id.orig_p']} > ${r['id.resp_h']}:${r['id.resp_p']}`;
}

/** The row key of each log (the README's suggestion: 5-tuple plus trans_id/query or trans_depth). */
function keyOf(log: string, r: Record<string, string>, uidTuples: Map<string, string>): string {
  switch (log) {
    case 'dns':
      return `${tuple(r)} ${r['trans_id']} ${r['query']}`;
    case 'http':
      return `${tuple(r)} ${r['trans_depth']}`;
    case 'x509':
      return r['fingerprint'] ?? '';
    case 'dhcp':
      return (r['uids'] ?? '')
        .split(',')
        .map((u) => uidTuples.get(u) ?? '?')
        .sort()
        .join(' | ') + ` ${r['msg_types']}`;
    case 'files':
      return `${tuple(r)} ${r['source']}`;
    case 'weird':
      return `${tuple(r)} ${r['name']}`;
    case 'ftp':
      return `${tuple(r)} ${r['command']} ${r['arg']}`;
    default:
      return tuple(r);
  }
}

export function compareLog(
  log: string,
  expected: ZeekLog,
  actual: Record<string, unknown>[],
  expUidTuples: Map<string, string> = new Map(),
  actUidTuples: Map<string, string> = new Map(),
  ignore: Set<string> = new Set(),
): AppCompare {
  const fields = expected.fields;
  const types = typesOf(log);
  const expRows = expected.rows.map((row) => Object.fromEntries(fields.map((f, i) => [f, row[i] ?? '-'])));
  const actRows = actual.map((rec) =>
    Object.fromEntries(
      fields.map((f) => {
        const v = f === 'uids' && Array.isArray(rec[f]) ? (rec[f] as string[]).join(',') : rec[f];
        return [f, f === 'uids' ? String(v ?? '-') : formatZeekValue(v, types.get(f) ?? 'string')];
      }),
    ),
  );
  const compared = fields.filter((f) => !SKIP.has(f) && !ignore.has(f));
  const m = matchRows(expRows, actRows, (r) => keyOf(log, r, expUidTuples), (r) => keyOf(log, r, actUidTuples), compared);
  return { log, expectedRows: expRows.length, identical: m.differing.filter((d) => d.length === 0).length,
    unmatched: m.unmatched, extra: m.extra.length, diffs: m.diffs };
}

/** uid -> "proto orig > resp" from conn rows (expected TSV or engine records). */
export function uidTuplesFromConn(rows: Array<Record<string, unknown>>): Map<string, string> {
  const m = new Map<string, string>();
  for (const r of rows) m.set(String(r['uid']), `${r['proto']} ${r['id.orig_h']}:${r['id.orig_p']} > ${r['id.resp_h']}:${r['id.resp_p']}`);
  return m;
}
