/**
 * Writes engine records as Zeek logs: Zeek's ASCII (TSV) format with its headers and number
 * formatting, or JSON lines as Zeek's JSON writer produces them.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { analysePcap } from './engine.js';
import { analyzerFactory } from './analyzers-hook.js';
import type { PacketEngineOptions } from './options.js';

export interface FieldSpec {
  name: string;
  /** Zeek type name as written in #types: time, interval, count, int, port, addr, string, enum, bool, set[string], ... */
  type: string;
}

/** The leading columns of every connection-based log. */
const CONN_ID_FIELDS: FieldSpec[] = [
  { name: 'ts', type: 'time' },
  { name: 'uid', type: 'string' },
  { name: 'id.orig_h', type: 'addr' },
  { name: 'id.orig_p', type: 'port' },
  { name: 'id.resp_h', type: 'addr' },
  { name: 'id.resp_p', type: 'port' },
];

const CONN_FIELDS: FieldSpec[] = [
  ...CONN_ID_FIELDS,
  { name: 'proto', type: 'enum' },
  { name: 'service', type: 'string' },
  { name: 'duration', type: 'interval' },
  { name: 'orig_bytes', type: 'count' },
  { name: 'resp_bytes', type: 'count' },
  { name: 'conn_state', type: 'string' },
  { name: 'local_orig', type: 'bool' },
  { name: 'local_resp', type: 'bool' },
  { name: 'missed_bytes', type: 'count' },
  { name: 'history', type: 'string' },
  { name: 'orig_pkts', type: 'count' },
  { name: 'orig_ip_bytes', type: 'count' },
  { name: 'resp_pkts', type: 'count' },
  { name: 'resp_ip_bytes', type: 'count' },
  { name: 'tunnel_parents', type: 'set[string]' },
  { name: 'ip_proto', type: 'count' },
];

const L2_FIELDS: FieldSpec[] = [
  { name: 'orig_l2_addr', type: 'string' },
  { name: 'resp_l2_addr', type: 'string' },
];

/** Log schemas known to the writer. Later stages add theirs with `registerSchema`. */
export const SCHEMAS: Record<string, FieldSpec[]> = {
  conn: CONN_FIELDS,
  tunnel: [
    ...CONN_ID_FIELDS,
    { name: 'tunnel_type', type: 'enum' },
    { name: 'action', type: 'enum' },
  ],
  arp: [
    { name: 'ts', type: 'time' },
    { name: 'operation', type: 'string' },
    { name: 'src_mac', type: 'string' },
    { name: 'dst_mac', type: 'string' },
    { name: 'orig_h', type: 'addr' },
    { name: 'resp_h', type: 'addr' },
    { name: 'orig_hw', type: 'string' },
    { name: 'resp_hw', type: 'string' },
  ],
};

export function registerSchema(log: string, fields: FieldSpec[]): void {
  SCHEMAS[log] = fields;
}

/** The conn.log schema for the given options (mac-logging adds two columns). */
export function connFields(macLogging: boolean): FieldSpec[] {
  return macLogging ? [...CONN_FIELDS, ...L2_FIELDS] : CONN_FIELDS;
}

/** Escapes a string the way Zeek's ASCII writer does (non-printables and the separator as \xNN). */
export function escapeZeekString(s: string, separator = '\t', setSeparator: string | null = null): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === separator || ch === '\\' || (setSeparator !== null && ch === setSeparator) || code < 0x20 || code === 0x7f) {
      out += ch === '\\' ? '\\\\' : '\\x' + code.toString(16).padStart(2, '0');
    } else {
      out += ch;
    }
  }
  return out;
}

/** Formats one value as Zeek's ASCII writer would. */
export function formatZeekValue(v: unknown, type: string): string {
  if (v === undefined || v === null) return '-';
  if (type.startsWith('set[') || type.startsWith('vector[')) {
    const items = v as unknown[];
    if (items.length === 0) return '(empty)';
    const inner = type.slice(type.indexOf('[') + 1, -1);
    return items.map((x) => formatZeekValue(x, inner).replace(/,/g, '\\x2c')).join(',');
  }
  switch (type) {
    case 'time':
    case 'interval':
    case 'double':
      return (v as number).toFixed(6);
    case 'bool':
      return v ? 'T' : 'F';
    case 'count':
    case 'int':
    case 'port':
      return String(v);
    default: {
      const s = String(v);
      if (s === '') return '(empty)';
      if (s === '-') return '\\x2d';
      return escapeZeekString(s);
    }
  }
}

/** Zeek's #open/#close timestamp format (local time). */
function zeekDate(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}-${p(d.getMinutes())}-${p(d.getSeconds())}`;
}

export interface ZeekWriterOptions {
  /** JSON lines instead of TSV */
  json?: boolean;
  /** schema overrides (e.g. conn with or without mac columns) */
  schemas?: Record<string, FieldSpec[]>;
}

interface OpenLog {
  fd: number;
  fields: FieldSpec[];
  pending: string[];
  pendingBytes: number;
}

/** Writes each log to `<dir>/<log>.log`, buffering lines and writing synchronously in blocks. */
export class ZeekLogWriter {
  private readonly logs = new Map<string, OpenLog>();

  constructor(
    private readonly dir: string,
    private readonly opts: ZeekWriterOptions = {},
  ) {
    mkdirSync(dir, { recursive: true });
  }

  write(log: string, rec: Record<string, unknown>): void {
    let l = this.logs.get(log);
    if (!l) l = this.open(log, rec);
    const line = this.opts.json ? jsonLine(rec, l.fields) : tsvLine(rec, l.fields);
    l.pending.push(line);
    l.pendingBytes += line.length + 1;
    if (l.pendingBytes > 1 << 16) this.flushLog(l);
  }

  close(): void {
    for (const l of this.logs.values()) {
      if (!this.opts.json) l.pending.push(`#close\t${zeekDate(new Date())}`);
      this.flushLog(l);
      closeSync(l.fd);
    }
    this.logs.clear();
  }

  private open(log: string, first: Record<string, unknown>): OpenLog {
    const fields =
      this.opts.schemas?.[log] ??
      SCHEMAS[log] ??
      Object.keys(first).map((name) => ({ name, type: inferType(first[name]) }));
    const fd = openSync(path.join(this.dir, `${log}.log`), 'w');
    const l: OpenLog = { fd, fields, pending: [], pendingBytes: 0 };
    if (!this.opts.json) {
      l.pending.push(
        '#separator \\x09',
        '#set_separator\t,',
        '#empty_field\t(empty)',
        '#unset_field\t-',
        `#path\t${log}`,
        `#open\t${zeekDate(new Date())}`,
        `#fields\t${fields.map((f) => f.name).join('\t')}`,
        `#types\t${fields.map((f) => f.type).join('\t')}`,
      );
    }
    this.logs.set(log, l);
    return l;
  }

  private flushLog(l: OpenLog): void {
    if (l.pending.length === 0) return;
    writeSync(l.fd, l.pending.join('\n') + '\n');
    l.pending = [];
    l.pendingBytes = 0;
  }
}

function inferType(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'count' : 'double';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'set[string]';
  return 'string';
}

function tsvLine(rec: Record<string, unknown>, fields: FieldSpec[]): string {
  let s = '';
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (i) s += '\t';
    s += formatZeekValue(rec[f.name], f.type);
  }
  return s;
}

/** Zeek's JSON writer: schema order, unset fields omitted, extra fields kept at the end. */
function jsonLine(rec: Record<string, unknown>, fields: FieldSpec[]): string {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (rec[f.name] !== undefined) out[f.name] = rec[f.name];
  for (const k of Object.keys(rec)) if (!(k in out) && rec[k] !== undefined) out[k] = rec[k];
  return JSON.stringify(out);
}

const USAGE = `usage: slips zeek -r FILE.pcap|- -o DIR [--zeek-defaults] [--json] [-C] [--flat]
  -r FILE          pcap or pcapng capture ('-' reads stdin)
  -o DIR           output directory; logs go to DIR/zeek_files/ (or DIR/ with --flat)
  --zeek-defaults  Zeek's default timeouts, checksum validation and columns
                   (default: the settings Slips runs Zeek with)
  --json           JSON lines instead of Zeek TSV
  -C               ignore checksums
  --flat           write the logs directly into DIR`;

/** Problems (skipped packets, link types) printed one per line; past this they are only counted. */
const MAX_NOTICE_LINES = 20;

/**
 * `slips zeek ...`: turns a capture into Zeek logs. Returns the process exit code.
 */
export async function zeekCommand(argv: string[]): Promise<number> {
  let input: string | null = null;
  let outDir: string | null = null;
  let zeekDefaults = false;
  let json = false;
  let ignoreChecksums: boolean | undefined;
  let flat = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-r') input = argv[++i] ?? null;
    else if (a === '-o') outDir = argv[++i] ?? null;
    else if (a === '--zeek-defaults') zeekDefaults = true;
    else if (a === '--json') json = true;
    else if (a === '-C') ignoreChecksums = true;
    else if (a === '--flat') flat = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE + '\n');
      return 0;
    } else {
      process.stderr.write(`slips zeek: unknown argument ${a}\n${USAGE}\n`);
      return 2;
    }
  }
  if (!input || !outDir) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const opts: PacketEngineOptions = { preset: zeekDefaults ? 'zeek' : 'slips' };
  if (ignoreChecksums !== undefined) opts.ignoreChecksums = ignoreChecksums;
  const macLogging = !zeekDefaults;
  const dir = flat ? outDir : path.join(outDir, 'zeek_files');
  const writer = new ZeekLogWriter(dir, { json, schemas: { conn: connFields(macLogging) } });
  let error: string | null = null;
  const name = input === '-' ? 'stdin' : input;
  let notices = 0;
  const notice = (msg: string): void => {
    if (++notices <= MAX_NOTICE_LINES) process.stderr.write(`slips zeek: ${name}: ${msg}\n`);
    else if (notices === MAX_NOTICE_LINES + 1) process.stderr.write(`slips zeek: ${name}: further problems are counted only\n`);
  };
  try {
    const src = input === '-' ? process.stdin : input;
    const res = await analysePcap(src, opts, (log, rec) => writer.write(log, rec), (msg) => {
      error = msg;
    }, analyzerFactory(), notice);
    writer.close();
    if (res.skipped > 0) process.stderr.write(`slips zeek: ${name}: ${res.skipped} packets skipped for an impossible timestamp\n`);
    if (error) {
      process.stderr.write(`slips zeek: ${name}: ${error} (${res.packets} packets processed)\n`);
      // Packets read before a truncated record were still analysed and logged.
      return res.packets > 0 ? 0 : 1;
    }
    return 0;
  } catch (e) {
    writer.close();
    process.stderr.write(`slips zeek: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
