// A Zeek log folder that is still being written (`-g DIR`, or `-f DIR` whose logs change):
// every supported log is followed by byte offset like `tail -F`. Files are known by inode, so a
// log renamed by rotation is drained to its end through the open handle while the new log at the
// old name is read from its start, and logs that appear later are picked up. Only complete lines
// are parsed (a partial last line waits for its newline), so no line is read twice or skipped.
// Lines available at the same time are merged across logs by timestamp, as ZeekReader does.
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ZeekLineParser, zeekLogKind, type ZeekRecord } from './zeek.js';
import { mapZeekRecord, certInfoFromX509, type CertInfo } from '../flows/zeek-map.js';
import type { Flow } from '../flows/types.js';
import { emptyReaderStats, type FlowReader, type InputErrorSink, type ReaderStats } from './reader.js';
import { FlowGate } from './flow-gate.js';
import { BoundedMap } from '../util/bounded-map.js';
import { LineSplitter } from './lines.js';
import { lineProblems } from './line-reader.js';

const CHUNK = 1 << 20;
const CERT_CACHE_LIMIT = 100_000;

export interface GrowingOptions {
  /** Stop after this many milliseconds without new data; null = only on the abort signal (-g). */
  quietMs: number | null;
  /** How often the folder and files are looked at. */
  pollMs?: number;
  /** Interface name given to the flows (-i with -g). */
  iface?: string;
}

interface Pending { ts: number; rec: ZeekRecord; line: number }

class FollowedLog {
  readonly parser: ZeekLineParser;
  /** Same splitting and line-length limit as every other reader (lines.ts). */
  private readonly splitter: LineSplitter;
  private lines: string[] = [];
  private pos = 0;
  offset = 0;
  lineNo = 0;
  head: Pending | null = null;
  /** The last read found no more bytes (reset at every poll). */
  atEof = false;
  /** Renamed (rotated) or removed: finish once drained. */
  detached = false;
  closed = false;

  constructor(public path: string, readonly kind: string, readonly key: string, readonly fh: FileHandle,
    readonly order: number, private readonly errors: InputErrorSink, private readonly stats: ReaderStats) {
    this.parser = new ZeekLineParser(kind);
    this.splitter = new LineSplitter((line, message, lost) => lineProblems(this.path, errors, stats)(line, message, lost));
  }

  /** Reads the next chunk of new bytes; false when there were none. */
  async read(buf: Buffer): Promise<boolean> {
    const st = await this.fh.stat();
    if (st.size < this.offset) {
      // Truncated in place: start again from the beginning of what is there now.
      this.errors.inputError(this.path, this.lineNo + 1, `file shrank from ${this.offset} to ${st.size} bytes (truncated); reading it again from the start`);
      this.offset = 0;
      this.splitter.reset();
      this.lineNo = 0;
    }
    const { bytesRead } = await this.fh.read(buf, 0, buf.length, this.offset);
    if (bytesRead === 0) { this.atEof = true; return false; }
    this.offset += bytesRead;
    const fresh: string[] = [];
    this.splitter.push(buf.subarray(0, bytesRead), fresh);
    this.lines = this.pos < this.lines.length ? this.lines.slice(this.pos).concat(fresh) : fresh;
    this.pos = 0;
    return true;
  }

  /** The unterminated last line becomes a line (the writer is done with the file, or the run ends). */
  flushCarry(): void {
    const rest: string[] = [];
    this.splitter.end(rest);
    if (!rest.length) return;
    this.lines = this.lines.slice(this.pos).concat(rest);
    this.pos = 0;
  }

  /** Moves to the next record among the lines already read; false when more bytes are needed. */
  advance(): boolean {
    this.head = null;
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos++]!;
      this.lineNo++;
      const p = this.parser.parse(line);
      if (p.kind === 'record') { this.head = { ts: p.ts, rec: p.rec, line: this.lineNo }; return true; }
      if (p.kind === 'error') { this.stats.malformed++; this.errors.inputError(this.path, this.lineNo, p.message); }
    }
    return false;
  }

  /** Next record, reading as needed; leaves head null when the file has nothing more for now. */
  async refill(buf: Buffer): Promise<void> {
    while (!this.advance()) {
      if (!(await this.read(buf))) return;
    }
  }

  async close(): Promise<void> { if (!this.closed) { this.closed = true; await this.fh.close().catch(() => undefined); } }
}

export class GrowingZeekReader implements FlowReader {
  readonly description: string;
  private readonly followed = new Map<string, FollowedLog>();
  /** Rotated logs already read to their end: name -> file key, so they are not read again. */
  private readonly finished = new Map<string, string>();
  private readonly certs = new BoundedMap<string, CertInfo>(CERT_CACHE_LIMIT);
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private nextOrder = 0;
  private lastActivity = Date.now();

  constructor(private readonly dir: string, private readonly errors: InputErrorSink, private readonly opts: GrowingOptions) {
    this.description = opts.quietMs === null
      ? `growing Zeek folder ${dir} (followed until stopped)`
      : `Zeek folder ${dir} (followed until ${opts.quietMs / 1000} s without new lines)`;
  }

  estimateTotal(): Promise<number | null> { return Promise.resolve(null); }

  /** Looks at the folder: new logs are opened, renamed ones detached, removed ones detached. */
  private async scan(stats: ReaderStats): Promise<void> {
    let names: string[];
    try { names = (await readdir(this.dir)).sort(); } catch (e) {
      this.errors.inputError(this.dir, 0, `cannot list the folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return;
    }
    const seen = new Set<string>();
    const present = new Set(names);
    for (const [name] of this.finished) if (!present.has(name)) this.finished.delete(name);
    for (const name of names) {
      const kind = zeekLogKind(name);
      if (!kind || name.endsWith('.gz')) continue;
      const path = join(this.dir, name);
      let st;
      try { st = await stat(path); } catch { continue; }
      if (!st.isFile()) continue;
      const key = `${st.dev}:${st.ino}`;
      seen.add(key);
      const known = this.followed.get(key);
      if (known) {
        if (known.path !== path) { known.path = path; known.detached = true; }
        continue;
      }
      if (this.finished.get(name) === key) continue;
      let fh: FileHandle;
      try { fh = await open(path, 'r'); } catch { continue; }
      this.followed.set(key, new FollowedLog(path, kind, key, fh, this.nextOrder++, this.errors, stats));
    }
    for (const f of this.followed.values()) if (!seen.has(f.key)) f.detached = true;
  }

  /** Reads and emits everything available now, merged by timestamp. */
  private async pump(gate: FlowGate, stats: ReaderStats, final: boolean): Promise<void> {
    const files = [...this.followed.values()];
    for (const f of files) f.atEof = false;
    // Offsets before reading: any growth means the writer is active.
    const before = files.reduce((n, f) => n + f.offset, 0);
    for (const f of files.filter((x) => x.kind === 'x509')) {
      for (;;) {
        await f.refill(this.buf);
        if (!f.head) break;
        this.rememberCert(f.head.rec);
      }
    }
    const active = files.filter((x) => x.kind !== 'x509');
    for (const f of active) if (!f.head) await f.refill(this.buf);
    const certLookup = (id: string): CertInfo | undefined => this.certs.get(id);
    const iface = this.opts.iface ?? 'default';
    const emitAll = async (): Promise<void> => {
      for (;;) {
        let best: FollowedLog | null = null;
        for (const f of active) {
          if (f.head && (!best || f.head.ts < best.head!.ts || (f.head.ts === best.head!.ts && f.order < best.order))) best = f;
        }
        if (!best) return;
        const { ts, rec, line } = best.head!;
        let flow: Flow | null = null;
        try { flow = mapZeekRecord(best.kind, rec, ts, iface, certLookup); } catch (e) {
          stats.malformed++; this.errors.inputError(best.path, line, `cannot interpret record: ${(e as Error).message}`);
        }
        if (flow) gate.pass(flow, best.path, line);
        if (!best.advance() && !best.atEof) await best.refill(this.buf);
      }
    };
    await emitAll();
    // Files the writer is done with (rotated away or removed), and every file at the end of the run:
    // their unterminated last line is a line.
    const ending = files.filter((f) => final || (f.detached && f.atEof));
    if (ending.length) {
      for (const f of ending) {
        f.flushCarry();
        if (f.kind === 'x509') { while (f.advance()) this.rememberCert(f.head!.rec); } else if (!f.head) f.advance();
      }
      await emitAll();
      for (const f of ending) {
        await f.close();
        this.followed.delete(f.key);
        if (!final && f.detached) {
          const name = f.path.slice(this.dir.length + 1);
          this.finished.set(name, f.key);
        }
      }
    }
    const after = files.reduce((n, f) => n + f.offset, 0);
    if (after !== before) this.lastActivity = Date.now();
  }

  private rememberCert(rec: ZeekRecord): void {
    const c = certInfoFromX509(rec);
    if (!c) return;
    this.certs.set(c[0], c[1]);
  }

  async run(sink: (flow: Flow) => void, signal: AbortSignal): Promise<ReaderStats> {
    const stats = emptyReaderStats();
    const gate = new FlowGate(sink, this.errors, stats);
    const pollMs = this.opts.pollMs ?? 250;
    this.lastActivity = Date.now();
    try {
      for (;;) {
        await this.scan(stats);
        await this.pump(gate, stats, false);
        if (signal.aborted) break;
        if (this.opts.quietMs !== null && Date.now() - this.lastActivity >= this.opts.quietMs) break;
        await new Promise<void>((res) => {
          const t = setTimeout(done, pollMs);
          function done(): void { clearTimeout(t); signal.removeEventListener('abort', done); res(); }
          signal.addEventListener('abort', done, { once: true });
        });
      }
      // Stopping: whatever was written up to now is still analysed.
      await this.scan(stats);
      await this.pump(gate, stats, true);
      gate.finish();
    } finally {
      for (const f of this.followed.values()) await f.close();
      this.followed.clear();
    }
    return stats;
  }
}

/** True when some supported log in the folder changed within the last `quietMs` (it is being written). */
export async function folderIsBeingWritten(dir: string, quietMs: number, now = Date.now()): Promise<boolean> {
  let names: string[];
  try { names = await readdir(dir); } catch { return false; }
  const logs = names.filter((n) => zeekLogKind(n));
  // Compressed logs are finished rotations that cannot be followed: such a folder is read as it is.
  if (logs.some((n) => n.endsWith('.gz'))) return false;
  for (const n of logs) {
    const p = join(dir, n);
    try {
      const st = await stat(p);
      if (now - st.mtimeMs >= quietMs) continue;
      if (!(await endsWithClose(p, st.size))) return true;
    } catch { /* vanished */ }
  }
  return false;
}

/** A TSV log Zeek has finished ends with a "#close" line. */
async function endsWithClose(path: string, size: number): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const n = Math.min(size, 256);
    const buf = Buffer.alloc(n);
    await fh.read(buf, 0, n, size - n);
    return /(^|\n)#close[^\n]*\n?$/.test(buf.toString('utf8'));
  } finally { await fh.close(); }
}
