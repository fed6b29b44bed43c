/**
 * Helpers for comparing the packet engine with Zeek's own baselines
 * (/work/shared/datasets/zeek, see its README).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analysePcap } from '../../src/capture/engine.js';
import type { PacketEngineOptions } from '../../src/capture/options.js';
import { ZEEK_LIKELY_TCP, ZEEK_LIKELY_UDP } from '../../src/capture/options.js';
import { connFields, formatZeekValue } from '../../src/capture/zeek-writer.js';

export const DATA_DIR = path.resolve(import.meta.dirname, '../../../shared/datasets/zeek');

export interface ManifestEntry {
  id: string;
  tier: 1 | 2 | 3 | 'ja3';
  pcap: string | string[];
  expected: Record<string, string>;
  flags: string[];
}

export function loadManifest(): ManifestEntry[] {
  return JSON.parse(readFileSync(path.join(DATA_DIR, 'manifest.json'), 'utf8')) as ManifestEntry[];
}

export interface ZeekLog {
  fields: string[];
  rows: string[][];
}

/** Parses a btest baseline in Zeek TSV format, or the one-header-line btest-diff-cut form. */
export function parseZeekLog(text: string): ZeekLog {
  const lines = text.split('\n').filter((l) => l.length > 0 && !l.startsWith('### BTest'));
  let fields: string[] = [];
  const rows: string[][] = [];
  const hasHeaders = lines.some((l) => l.startsWith('#fields'));
  for (const [i, line] of lines.entries()) {
    if (hasHeaders) {
      if (line.startsWith('#fields')) fields = line.split('\t').slice(1);
      else if (!line.startsWith('#')) rows.push(line.split('\t'));
    } else if (i === 0) {
      fields = line.split('\t');
    } else {
      rows.push(line.split('\t'));
    }
  }
  return { fields, rows };
}

/** likely_server_ports that a bare-mode (-b) Zeek builds from the scripts a test loads. */
const PORTS_BY_SCRIPT: Record<string, { tcp: number[]; udp: number[] }> = {
  dns: { tcp: [53], udp: [53, 137, 5353, 5355] },
  http: { tcp: [80, 81, 631, 1080, 3128, 8000, 8080, 8888], udp: [] },
  ssh: { tcp: [22], udp: [] },
  ntp: { tcp: [], udp: [123] },
  dhcp: { tcp: [], udp: [67] },
  ssl: { tcp: [443, 563, 585, 614, 636, 989, 990, 992, 993, 995, 5223], udp: [443] },
};
/** init-bare's packet protocols register their tunnel ports even in bare mode. */
const BARE_UDP = [2123, 2152, 3544, 4789, 5072, 6081];

/** Engine options reproducing a manifest entry's Zeek invocation. */
export function optionsFor(e: ManifestEntry): PacketEngineOptions {
  const flags = e.flags.join(' ');
  const opts: PacketEngineOptions = {
    preset: 'zeek',
    ignoreChecksums: e.flags.includes('-C') || flags.includes(' -C '),
    macLogging: false,
  };
  if (flags.includes('tcp_excessive_data_without_further_acks=0')) opts.tcpExcessiveDataWithoutFurtherAcks = 0;
  if (e.flags.includes('-b')) {
    const tcp = new Set<number>();
    const udp = new Set<number>(BARE_UDP);
    for (const f of e.flags) {
      const m = /base\/protocols\/(\w+)/.exec(f);
      const ports = m ? PORTS_BY_SCRIPT[m[1]!] : undefined;
      if (ports) {
        ports.tcp.forEach((p) => tcp.add(p));
        ports.udp.forEach((p) => udp.add(p));
      }
    }
    opts.likelyServerPorts = { tcp, udp };
    // Without base/protocols/dns there is no DNS analyzer, hence no DNS session timeout.
    if (!e.flags.some((f) => f.includes('base/protocols/dns'))) opts.dnsUdpPorts = [];
  } else {
    opts.likelyServerPorts = { tcp: ZEEK_LIKELY_TCP, udp: ZEEK_LIKELY_UDP };
  }
  return opts;
}

export interface EngineRun {
  conn: Record<string, unknown>[];
  tunnel: Record<string, unknown>[];
  arp: Record<string, unknown>[];
  errors: string[];
}

export async function runEngine(pcap: string, opts: PacketEngineOptions): Promise<EngineRun> {
  const run: EngineRun = { conn: [], tunnel: [], arp: [], errors: [] };
  await analysePcap(
    path.join(DATA_DIR, pcap),
    opts,
    (log, rec) => {
      if (log === 'conn' || log === 'tunnel' || log === 'arp') run[log].push(rec);
    },
    (msg) => run.errors.push(msg),
  );
  return run;
}

const TYPES = new Map(connFields(true).map((f) => [f.name, f.type]));

/** An engine conn record as the strings Zeek's TSV writer would print. */
export function toZeekStrings(rec: Record<string, unknown>, fields: string[]): string[] {
  return fields.map((f) => formatZeekValue(rec[f], TYPES.get(f) ?? 'string'));
}

/** Removes and returns the candidate row that agrees with `expected` on the most compared fields. */
function takeBestMatch(cands: Record<string, string>[], expected: Record<string, string>, compared: string[]): Record<string, string> {
  let best = 0;
  let bestScore = -1;
  for (const [i, c] of cands.entries()) {
    const score = compared.filter((f) => c[f] === expected[f]).length;
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  return cands.splice(best, 1)[0]!;
}

/** Rows of one log paired: each expected row with the best actual row of the same key. */
export interface RowMatching {
  /** Per matched expected row, the compared fields whose values differ. */
  differing: string[][];
  unmatched: string[];
  /** Keys of actual rows no expected row took, one per row. */
  extra: string[];
  diffs: RowDiff[];
}

/** Pairs expected with actual rows by key (best match among rows of the same key) and lists the differences. */
export function matchRows(expRows: Record<string, string>[], actRows: Record<string, string>[],
  expKey: (r: Record<string, string>) => string, actKey: (r: Record<string, string>) => string, compared: string[]): RowMatching {
  const pool = new Map<string, Array<Record<string, string>>>();
  for (const r of actRows) {
    const k = actKey(r);
    if (!pool.has(k)) pool.set(k, []);
    pool.get(k)!.push(r);
  }
  const res: RowMatching = { differing: [], unmatched: [], extra: [], diffs: [] };
  for (const e of expRows) {
    const k = expKey(e);
    const cands = pool.get(k);
    if (!cands || cands.length === 0) {
      res.unmatched.push(k);
      continue;
    }
    const a = takeBestMatch(cands, e, compared);
    const differing = compared.filter((f) => a[f] !== e[f]);
    res.differing.push(differing);
    for (const f of differing) res.diffs.push({ key: k, field: f, expected: e[f]!, actual: a[f]! });
  }
  for (const [k, rest] of pool) for (let i = 0; i < rest.length; i++) res.extra.push(k);
  return res;
}

function tupleOf(row: Record<string, string>): string {
  return `${row['proto']} ${row['id.orig_h']}:${row['id.orig_p']} > ${row['id.resp_h']}:${row['id.resp_p']}`;
}

export interface RowDiff {
  key: string;
  field: string;
  expected: string;
  actual: string;
}

export interface CompareResult {
  expectedRows: number;
  identical: number;
  /** rows whose only difference is `service` (application analyzers are Packet engine II) */
  onlyServiceDiffers: number;
  unmatched: string[];
  extra: string[];
  diffs: RowDiff[];
}

/**
 * Compares conn rows: key on the 5-tuple, pair repeated keys by best agreement, compare every
 * field except ts and uid; tunnel_parents is compared as the set of parent 5-tuples.
 */
export function compareConn(
  expected: ZeekLog,
  expectedTunnels: ZeekLog | null,
  run: EngineRun,
  ignore: Set<string> = new Set(),
): CompareResult {
  const fields = expected.fields;
  const expRows = expected.rows.map((r) => Object.fromEntries(fields.map((f, i) => [f, r[i] ?? '-'])));
  // uid -> tuple maps, for tunnel_parents
  const expUid = new Map<string, string>();
  for (const r of expRows) expUid.set(r['uid']!, tupleOf(r));
  if (expectedTunnels) {
    const tf = expectedTunnels.fields;
    for (const r of expectedTunnels.rows) {
      const o = Object.fromEntries(tf.map((f, i) => [f, r[i] ?? '-']));
      if (!expUid.has(o['uid']!)) expUid.set(o['uid']!, `tunnel ${o['id.orig_h']}:${o['id.orig_p']} > ${o['id.resp_h']}:${o['id.resp_p']}`);
    }
  }
  const actRows = run.conn.map((rec) => {
    const strs = toZeekStrings(rec, fields);
    return Object.fromEntries(fields.map((f, i) => [f, strs[i]!]));
  });
  const actUid = new Map<string, string>();
  for (const r of actRows) actUid.set(r['uid']!, tupleOf(r));
  for (const t of run.tunnel) {
    const uid = String(t['uid']);
    if (!actUid.has(uid)) actUid.set(uid, `tunnel ${t['id.orig_h']}:${t['id.orig_p']} > ${t['id.resp_h']}:${t['id.resp_p']}`);
  }
  const parents = (v: string, m: Map<string, string>): string =>
    v === '-' ? '-' : v.split(',').map((u) => m.get(u) ?? `?${u}`).sort().join(' | ');
  for (const r of expRows) if ('tunnel_parents' in r) r['tunnel_parents'] = parents(r['tunnel_parents']!, expUid);
  for (const r of actRows) if ('tunnel_parents' in r) r['tunnel_parents'] = parents(r['tunnel_parents']!, actUid);

  const compared = fields.filter((f) => f !== 'ts' && f !== 'uid' && !ignore.has(f));
  const m = matchRows(expRows, actRows, tupleOf, tupleOf, compared);
  return { expectedRows: expRows.length, identical: m.differing.filter((d) => d.length === 0).length,
    onlyServiceDiffers: m.differing.filter((d) => d.length === 1 && d[0] === 'service').length,
    unmatched: m.unmatched, extra: m.extra, diffs: m.diffs };
}
