// Zeek log parsing: TSV (with #fields/#types headers) and JSON lines, one parser per file.
import { basename } from 'node:path';
import { parseDecimal } from '../util/numbers.js';

export type ZeekValue = string | number | boolean | null | ZeekValue[] | { [k: string]: ZeekValue };
export type ZeekRecord = Record<string, ZeekValue>;

/** Log kinds Slips reads (plus x509, used only to enrich ssl). */
export const SUPPORTED_ZEEK_LOGS: ReadonlySet<string> = new Set(['conn', 'dns', 'http', 'ssl', 'ssh', 'dhcp', 'ftp', 'smtp', 'tunnel',
  'notice', 'files', 'arp', 'software', 'weird', 'login']);

/**
 * The log kind of a file name, or null when Slips would not read it. Like Slips, every
 * extension is stripped (`conn.2022-05-11-14-43-20.log` is conn); `.labeled` and `.gz` are accepted.
 */
export function zeekLogKind(path: string): string | null {
  let name = basename(path);
  if (name.endsWith('.gz')) name = name.slice(0, -3);
  if (!name.endsWith('.log') && !name.endsWith('.log.labeled')) return null;
  const kind = name.split('.')[0]!;
  return SUPPORTED_ZEEK_LOGS.has(kind) || kind === 'x509' ? kind : null;
}

type Convert = (raw: string) => ZeekValue;

/** Outcome of parsing one line. */
export type ParsedLine =
  | { kind: 'record'; ts: number; rec: ZeekRecord }
  | { kind: 'skip' }                      // header, comment, blank
  | { kind: 'close' }                     // #close: the file is complete
  | { kind: 'error'; message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Zeek writes the bytes of a string it does not print as \xHH. Bytes are decoded back as UTF-8
 * (a name in UTF-8 escaped byte by byte is that name again), or one character per byte when they
 * are not UTF-8.
 */
function decodeEscapes(s: string): string {
  if (s.indexOf('\\x') < 0) return s;
  const latin1 = s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  // Only a string of bytes can be decoded (text around the escapes may already be UTF-8 characters).
  if (!/[\x80-\xff]/.test(latin1) || /[^\x00-\xff]/.test(latin1)) return latin1;
  try { return utf8.decode(Buffer.from(latin1, 'latin1')); } catch { return latin1; }
}

export class ZeekLineParser {
  private fields: string[] | null = null;
  private converters: Convert[] = [];
  private separator = '\t';
  private setSeparator = ',';
  private emptyField = '(empty)';
  private unsetField = '-';
  private pendingTypes: string[] | null = null;

  constructor(readonly logKind: string) {}

  get hasHeader(): boolean { return this.fields !== null; }

  parse(line: string): ParsedLine {
    if (line.length === 0) return { kind: 'skip' };
    const c0 = line.charCodeAt(0);
    if (c0 === 123 /* { */) return this.parseJson(line);
    if (c0 === 35 /* # */) return this.parseDirective(line);
    // Some logs in the wild have their first header line indented (test10 of the Slips datasets).
    if ((c0 === 9 || c0 === 32) && line.trimStart().startsWith('#')) return this.parseDirective(line.trimStart());
    return this.parseTsv(line);
  }

  private parseJson(line: string): ParsedLine {
    let v: unknown;
    try { v = JSON.parse(line); } catch (e) { return { kind: 'error', message: `invalid JSON: ${(e as Error).message}` }; }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return { kind: 'error', message: 'JSON line is not an object' };
    const rec = v as ZeekRecord;
    const ts = typeof rec.ts === 'number' ? rec.ts : typeof rec.ts === 'string' ? parseDecimal(rec.ts) : NaN;
    if (!Number.isFinite(ts)) return { kind: 'error', message: 'record has no numeric "ts"' };
    return { kind: 'record', ts, rec };
  }

  private parseDirective(line: string): ParsedLine {
    const sp = line.search(/[\t ]/);
    const key = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? '' : line.slice(sp + 1);
    switch (key) {
      case '#separator': this.separator = decodeEscapes(rest.trim()) || '\t'; break;
      case '#set_separator': this.setSeparator = rest.split(this.separator)[0] ?? ','; break;
      case '#empty_field': this.emptyField = rest.split(this.separator)[0] ?? '(empty)'; break;
      case '#unset_field': this.unsetField = rest.split(this.separator)[0] ?? '-'; break;
      case '#fields': this.fields = rest.split(this.separator); this.buildConverters(); break;
      case '#types': this.pendingTypes = rest.split(this.separator); this.buildConverters(); break;
      case '#close': return { kind: 'close' };
    }
    return { kind: 'skip' };
  }

  private buildConverters(): void {
    if (!this.fields) return;
    const types = this.pendingTypes ?? [];
    this.converters = this.fields.map((_, i) => this.converterFor(types[i] ?? 'string'));
  }

  private converterFor(type: string): Convert {
    const unset = this.unsetField, empty = this.emptyField, setSep = this.setSeparator;
    if (type.startsWith('set[') || type.startsWith('vector[')) {
      const inner = this.converterFor(type.slice(type.indexOf('[') + 1, -1));
      return (raw) => (raw === unset ? null : raw === empty || raw === '' ? [] : raw.split(setSep).map(inner));
    }
    switch (type) {
      case 'time': case 'interval': case 'double': case 'count': case 'int': case 'port':
        return (raw) => {
          if (raw === unset || raw === '') return null;
          // Text that is not a decimal number stays text: the flow check reports it.
          const n = parseDecimal(raw);
          return Number.isNaN(n) ? raw : n;
        };
      case 'bool':
        return (raw) => (raw === unset ? null : raw === 'T' || raw === 'true');
      default:
        return (raw) => (raw === unset ? null : raw === empty ? '' : decodeEscapes(raw));
    }
  }

  private parseTsv(line: string): ParsedLine {
    const fields = this.fields;
    if (!fields) {
      let json: unknown;
      try { json = JSON.parse(line); } catch { json = undefined; }
      return { kind: 'error', message: json !== undefined ? 'JSON line is not an object' : 'data line before any #fields header (not a Zeek log?)' };
    }
    const parts = line.split(this.separator);
    if (parts.length !== fields.length) {
      return { kind: 'error', message: `expected ${fields.length} tab-separated fields, found ${parts.length}` };
    }
    const rec: ZeekRecord = {};
    const conv = this.converters;
    for (let i = 0; i < parts.length; i++) rec[fields[i]!] = conv[i]!(parts[i]!);
    const ts = rec.ts;
    if (typeof ts !== 'number' || !Number.isFinite(ts)) return { kind: 'error', message: `invalid timestamp "${parts[0]}"` };
    return { kind: 'record', ts, rec };
  }
}
