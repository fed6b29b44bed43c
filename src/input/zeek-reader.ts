// Reads one Zeek log or a folder of them, merging the files in timestamp order the
// way Slips does: each file keeps one pending record and the smallest timestamp goes next.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LineSource } from './lines.js';
import { ZeekLineParser, zeekLogKind, type ZeekRecord } from './zeek.js';
import { mapZeekRecord, certInfoFromX509, type CertInfo } from '../flows/zeek-map.js';
import type { Flow } from '../flows/types.js';
import { emptyReaderStats, type FlowReader, type InputErrorSink, type ReaderStats } from './reader.js';
import { FlowGate } from './flow-gate.js';
import { lineProblems } from './line-reader.js';

interface Pending { ts: number; rec: ZeekRecord; line: number }

class ZeekLogFile {
  readonly source: LineSource;
  readonly parser: ZeekLineParser;
  head: Pending | null = null;
  finished = false;
  constructor(readonly path: string, readonly kind: string, private readonly errors: InputErrorSink,
    private readonly stats: ReaderStats) {
    this.source = new LineSource(path, undefined, lineProblems(path, errors, stats));
    this.parser = new ZeekLineParser(kind);
  }

  /** Moves to the next record. Returns false if a chunk must be read first (call refill). */
  advance(): boolean {
    this.head = null;
    for (;;) {
      const line = this.source.next();
      if (line === undefined) return false;
      if (line === null) { this.finish(); return true; }
      const p = this.parser.parse(line);
      if (p.kind === 'record') { this.head = { ts: p.ts, rec: p.rec, line: this.source.lineNo }; return true; }
      if (p.kind === 'error') {
        this.stats.malformed++;
        this.errors.inputError(this.path, this.source.lineNo, p.message);
      }
      // 'close' is informational: a rotated log may still be followed by nothing; keep reading to EOF.
    }
  }

  async refill(): Promise<void> {
    while (!this.finished && !this.advance()) {
      if (!(await this.source.fill())) this.finish();
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.source.readError) {
      this.stats.malformed++;
      this.errors.inputError(this.path, this.source.lineNo + 1,
        `input ends early (${this.source.readError}); the ${this.source.lineNo} lines before were analysed`);
    }
  }
}

/** Min-heap of files by the timestamp of their pending record (ties: file order, for determinism). */
class FileHeap {
  private items: { f: ZeekLogFile; order: number }[] = [];
  get size(): number { return this.items.length; }
  private less(a: number, b: number): boolean {
    const x = this.items[a]!, y = this.items[b]!;
    return x.f.head!.ts < y.f.head!.ts || (x.f.head!.ts === y.f.head!.ts && x.order < y.order);
  }
  push(f: ZeekLogFile, order: number): void {
    const it = this.items; it.push({ f, order });
    let i = it.length - 1;
    while (i > 0) { const p = (i - 1) >> 1; if (!this.less(i, p)) break; [it[i], it[p]] = [it[p]!, it[i]!]; i = p; }
  }
  pop(): { f: ZeekLogFile; order: number } {
    const it = this.items; const top = it[0]!; const last = it.pop()!;
    if (it.length) {
      it[0] = last; let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1; let m = i;
        if (l < it.length && this.less(l, m)) m = l;
        if (r < it.length && this.less(r, m)) m = r;
        if (m === i) break; [it[i], it[m]] = [it[m]!, it[i]!]; i = m;
      }
    }
    return top;
  }
}

/** Bound on remembered certificates (a few hundred bytes each). */
const CERT_CACHE_LIMIT = 1_000_000;

export class ZeekReader implements FlowReader {
  readonly description: string;
  private readonly certs = new Map<string, CertInfo>();

  private constructor(private readonly files: { path: string; kind: string }[], private readonly errors: InputErrorSink,
    description: string, private readonly iface = 'default') {
    this.description = description;
  }

  /** Every supported log in a folder (sorted by name for a deterministic merge order). */
  static async forFolder(dir: string, errors: InputErrorSink): Promise<ZeekReader> {
    const names = (await readdir(dir)).sort();
    const files: { path: string; kind: string }[] = [];
    for (const n of names) {
      const kind = zeekLogKind(n);
      if (!kind) continue;
      const p = join(dir, n);
      if ((await stat(p)).isFile()) files.push({ path: p, kind });
    }
    const logs = files.filter((f) => f.kind !== 'x509').map((f) => f.kind);
    return new ZeekReader(files, errors, `Zeek folder ${dir} (${logs.join(', ')})`);
  }

  static forFile(path: string, kind: string, errors: InputErrorSink): ZeekReader {
    return new ZeekReader([{ path, kind }], errors, `Zeek ${kind} log ${path}`);
  }

  get logCount(): number { return this.files.filter((f) => f.kind !== 'x509').length; }

  async estimateTotal(): Promise<number | null> {
    // Cheap estimate from file sizes would be wrong for gzip; count newlines only for plain files.
    let total = 0;
    for (const f of this.files) {
      if (f.kind === 'x509') continue;
      const src = new LineSource(f.path);
      let n = 0;
      for (;;) {
        const l = src.next();
        if (l === null) break;
        if (l === undefined) { if (!(await src.fill())) break; continue; }
        if (l.length && l.charCodeAt(0) !== 35) n++;
      }
      total += n;
    }
    return total;
  }

  async run(sink: (flow: Flow) => void, signal: AbortSignal): Promise<ReaderStats> {
    const stats = emptyReaderStats();
    const gate = new FlowGate(sink, this.errors, stats);
    const heap = new FileHeap();
    const open = this.files.map((f) => new ZeekLogFile(f.path, f.kind, this.errors, stats));
    // Certificates are logged when seen, after the ssl record that references them starts,
    // so x509 logs are read first rather than merged.
    for (const f of open.filter((x) => x.kind === 'x509')) await this.loadCertificates(f);
    for (let i = 0; i < open.length; i++) {
      if (open[i]!.kind === 'x509') continue;
      const f = open[i]!;
      await f.refill();
      if (f.head) heap.push(f, i);
    }
    const certLookup = (id: string): CertInfo | undefined => this.certs.get(id);
    while (heap.size > 0 && !signal.aborted) {
      const { f, order } = heap.pop();
      const { ts, rec, line } = f.head!;
      let flow: Flow | null = null;
      try { flow = mapZeekRecord(f.kind, rec, ts, this.iface, certLookup); }
      catch (e) { stats.malformed++; this.errors.inputError(f.path, line, `cannot interpret record: ${(e as Error).message}`); }
      if (flow) gate.pass(flow, f.path, line);
      if (!f.advance()) await f.refill();
      if (f.head) heap.push(f, order);
    }
    gate.finish();
    await Promise.all(open.map((f) => f.source.close()));
    return stats;
  }

  private async loadCertificates(f: ZeekLogFile): Promise<void> {
    await f.refill();
    while (f.head && this.certs.size < CERT_CACHE_LIMIT) {
      const c = certInfoFromX509(f.head.rec);
      if (c) this.certs.set(c[0], c[1]);
      if (!f.advance()) await f.refill();
    }
    if (f.head) {
      this.errors.inputError(f.path, f.head.line,
        `more than ${CERT_CACHE_LIMIT} certificates; later ones are not used to complete ssl records`);
    }
    await f.source.close();
  }
}
