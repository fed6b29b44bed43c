/**
 * Writes engine records as Zeek logs: Zeek's ASCII (TSV) format with its headers and number
 * formatting, or JSON lines as Zeek's JSON writer produces them.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { APP_SCHEMAS } from './analyzers/schemas.js';
import { ENGINE_SCHEMAS, type FieldSpec } from './log-schemas.js';

export { connFields, type FieldSpec } from './log-schemas.js';

/** Every log's columns: the engine's own and the application analyzers'. */
const SCHEMAS: Readonly<Record<string, readonly FieldSpec[]>> = { ...ENGINE_SCHEMAS, ...APP_SCHEMAS };

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
  schemas?: Record<string, readonly FieldSpec[]>;
}

interface OpenLog {
  fd: number;
  fields: readonly FieldSpec[];
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

function tsvLine(rec: Record<string, unknown>, fields: readonly FieldSpec[]): string {
  let s = '';
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (i) s += '\t';
    s += formatZeekValue(rec[f.name], f.type);
  }
  return s;
}

/** Zeek's JSON writer: schema order, unset fields omitted, extra fields kept at the end. */
function jsonLine(rec: Record<string, unknown>, fields: readonly FieldSpec[]): string {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (rec[f.name] !== undefined) out[f.name] = rec[f.name];
  for (const k of Object.keys(rec)) if (!(k in out) && rec[k] !== undefined) out[k] = rec[k];
  return JSON.stringify(out);
}
