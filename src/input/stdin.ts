// Flows from standard input: `-f zeek|suricata|argus|nfdump` read that format from stdin
// (spec core §1.3), `-f -` tells the format from the first bytes. A line `done` ends the input.
import { Readable } from 'node:stream';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Flow } from '../flows/types.js';
import { mapZeekRecord } from '../flows/zeek-map.js';
import { LineSource } from './lines.js';
import { LineFlowReader, type LineParser } from './line-reader.js';
import { ZeekLineParser, SUPPORTED_ZEEK_LOGS } from './zeek.js';
import { SuricataParser } from './suricata.js';
import { ArgusParser } from './argus.js';
import { NfdumpCsvParser, nfdumpReader } from './nfdump.js';
import type { ZoneConverter } from './wallclock.js';
import { sniffFormat } from './formats.js';
import type { FlowReader, InputErrorSink, ReaderStats } from './reader.js';

export type StdinLineType = 'zeek' | 'suricata' | 'argus' | 'nfdump' | 'auto';

export const STDIN_NAME = '<stdin>';

/** Live streams: hold a few records to smooth out-of-order exporters, never for long in traffic time. */
const STDIN_REORDER_CAPACITY = 10_000;
const STDIN_REORDER_HORIZON = 300;

/**
 * Zeek records on stdin: JSON lines (conn.log records, like the original, or any log when the
 * record has `_path`), or TSV logs with their headers (`#path` names the log).
 */
export class ZeekStreamParser implements LineParser {
  private kind = 'conn';
  private parser = new ZeekLineParser('conn');

  parse(line: string): Flow | string | null {
    if (line.startsWith('#path')) {
      const k = line.slice(5).trim().split(/\s+/)[0] ?? '';
      if (SUPPORTED_ZEEK_LOGS.has(k) || k === 'x509') this.kind = k;
      else this.kind = `unsupported:${k}`;
    }
    if (line.startsWith('#separator')) this.parser = new ZeekLineParser(this.kind);
    const p = this.parser.parse(line);
    if (p.kind === 'error') return p.message;
    if (p.kind !== 'record') return null;
    const path = p.rec._path;
    const kind = typeof path === 'string' ? path : this.kind;
    if (!SUPPORTED_ZEEK_LOGS.has(kind)) return null;
    return mapZeekRecord(kind, p.rec, p.ts, 'default');
  }
}

export type SniffedKind = 'pcap' | 'nfdump-binary' | 'zeek' | 'suricata' | 'argus' | 'nfdump';

/** Tells a stream's format from its first bytes (input/formats.ts); null when it cannot be told. */
export function sniffStream(head: Buffer): SniffedKind | null {
  const f = sniffFormat(head, head.toString('utf8'));
  switch (f) {
    case null: return null;
    case 'zeek-json': case 'zeek-tsv': return 'zeek';
    case 'nfdump-csv': return 'nfdump';
    default: return f;
  }
}

/** The first chunk of a stream, and a stream that replays it before the rest. */
async function peek(stream: Readable, want = 4096): Promise<{ head: Buffer; stream: Readable }> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const chunks: Buffer[] = [];
  let size = 0, done = false;
  while (size < want) {
    const r = await it.next();
    if (r.done) { done = true; break; }
    const b = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    chunks.push(b); size += b.length;
    // A short first chunk of text is enough to see a header line.
    if (b.includes(10)) break;
  }
  const head = Buffer.concat(chunks);
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    }
  }
  return { head, stream: Readable.from(replay(), { objectMode: false }) };
}

/** A binary nfdump stream: nfdump only reads files, so it is spooled to a temporary file first. */
class SpooledNfdumpReader implements FlowReader {
  readonly description = 'nfdump binary data from stdin';
  constructor(private readonly stream: Readable, private readonly errors: InputErrorSink) {}
  estimateTotal(): Promise<number | null> { return Promise.resolve(null); }
  async run(sink: (flow: Flow) => void, signal: AbortSignal): Promise<ReaderStats> {
    const dir = mkdtempSync(join(tmpdir(), 'slips-nfdump-'));
    const file = join(dir, 'stdin.nfcapd');
    try {
      await pipeline(this.stream, createWriteStream(file), { signal }).catch((e: Error) => {
        if (!signal.aborted) this.errors.inputError(STDIN_NAME, 0, `reading nfdump data from stdin failed: ${e.message}`);
      });
      return await nfdumpReader(file, this.errors, STDIN_NAME).run(sink, signal);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

export interface StdinOptions {
  lineType: StdinLineType;
  errors: InputErrorSink;
  argusZone: ZoneConverter;
  stream?: Readable;
  /** Builds a reader for a pcap stream when the packet engine exists; null otherwise. */
  pcapReader?: ((stream: Readable) => FlowReader) | null;
}

export async function stdinReader(o: StdinOptions): Promise<FlowReader> {
  const input = o.stream ?? process.stdin;
  const { head, stream } = await peek(input);
  const sniffed = head.length ? sniffStream(head) : null;
  if (sniffed === 'pcap') {
    if (!o.pcapReader) throw new Error('stdin carries a pcap stream, but this build has no packet engine to read it');
    return o.pcapReader(stream);
  }
  let type: Exclude<StdinLineType, 'auto'>;
  if (o.lineType === 'auto') {
    if (head.length === 0) throw new Error('nothing was received on stdin');
    if (!sniffed) throw new Error('cannot tell the format of the data on stdin (expected Zeek, Suricata eve.json, Argus binetflow, nfdump or pcap); name it with -f zeek|suricata|argus|nfdump');
    if (sniffed === 'nfdump-binary') return new SpooledNfdumpReader(stream, o.errors);
    type = sniffed;
  } else {
    type = o.lineType;
    if (type === 'nfdump' && sniffed === 'nfdump-binary') return new SpooledNfdumpReader(stream, o.errors);
  }
  let parser: LineParser;
  switch (type) {
    case 'zeek': parser = new ZeekStreamParser(); break;
    case 'suricata': parser = new SuricataParser(); break;
    case 'argus': parser = new ArgusParser(o.argusZone, 'fixed'); break; // a header line, if any, replaces the fixed layout
    case 'nfdump': parser = new NfdumpCsvParser(sniffed !== 'nfdump'); break;
  }
  return new LineFlowReader({
    description: `${type} records from stdin`,
    name: STDIN_NAME,
    open: (problem) => new LineSource(STDIN_NAME, stream, problem),
    parser,
    errors: o.errors,
    reorder: type === 'zeek' ? 0 : STDIN_REORDER_CAPACITY,
    reorderHorizon: STDIN_REORDER_HORIZON,
    stopLine: 'done',
  });
}
