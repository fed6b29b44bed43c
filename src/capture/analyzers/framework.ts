/**
 * What every application analyzer shares: the per-connection context (service confirmation,
 * protocol violations, weird records), the per-engine shared state (file ids, software seen,
 * DHCP transactions) and small bounded buffers.
 */
import type { ConnectionHandle } from '../analyzer.js';
import { UidGenerator } from '../options.js';
import { TrustAnchors } from './x509.js';

/** Options of the application layer. */
export interface AnalyzerOptions {
  /** Slips' Zeek adds ja3/ja3s (and we add ja4) to ssl.log. Default true. */
  fingerprints?: boolean;
  /** largest TLS handshake message we assemble (bytes). Default 64 KiB. */
  maxTlsHandshake?: number;
  /** longest HTTP header line / header block we keep (bytes). Default 16 KiB. */
  maxHttpHeader?: number;
  /** seed for file ids (F...). */
  uidSeed?: number;
  /** disable analyzers by name ('dns', 'http', 'ssl', 'ssh', 'dhcp', 'smtp', 'ftp', 'ntp'). */
  disabled?: Iterable<string>;
  /**
   * Where port-based attachment applies. Default: Zeek's registered ports of each analyzer.
   * Content detection (DPD signatures) works on any port regardless.
   */
  ports?: Partial<Record<string, { tcp?: number[]; udp?: number[] }>>;
  /** FTP commands logged to ftp.log besides Zeek's default set (FTP::logged_commands), e.g. '<init>', 'AUTH'. */
  ftpLoggedCommands?: Iterable<string>;
}

export interface ResolvedAnalyzerOptions {
  fingerprints: boolean;
  maxTlsHandshake: number;
  maxHttpHeader: number;
  disabled: Set<string>;
  ftpLoggedCommands: Set<string>;
}

/** An application protocol analyzer attached to one connection. */
export interface AppAnalyzer {
  /** the analyzer name; also the conn.log service it confirms */
  readonly name: string;
  stream?(isOrig: boolean, data: Buffer): void;
  gap?(isOrig: boolean, len: number): void;
  packet?(isOrig: boolean, data: Buffer, ts: number): void;
  flip?(): void;
  /** the connection is removed: flush pending records */
  end(): void;
}

/** State shared by all connections of one engine run. */
export class SharedState {
  readonly fileIds: UidGenerator;
  /** the root certificates TLS chains are validated against */
  readonly trustAnchors = new TrustAnchors();
  /** software already reported, "host|type|name|version" (bounded) */
  readonly softwareSeen = new Set<string>();
  /** extra end-of-connection hooks for cross-connection aggregation (DHCP) */
  dhcp: unknown = null;
  /**
   * Expected connections (FTP data channels): "orig_h|resp_h|resp_p" -> analyzer name and expiry
   * (packet time). Bounded; entries are used once.
   */
  readonly expected = new Map<string, { analyzer: string; expires: number }>();

  expectConnection(origH: string, respH: string, respP: number, analyzer: string, expires: number): void {
    if (this.expected.size >= 10_000) this.expected.clear();
    this.expected.set(`${origH}|${respH}|${respP}`, { analyzer, expires });
  }

  /** the analyzer expected for a new connection (removes the expectation) */
  takeExpected(origH: string, respH: string, respP: number, now: number): string | null {
    if (this.expected.size === 0) return null;
    const k = `${origH}|${respH}|${respP}`;
    const e = this.expected.get(k);
    if (!e) return null;
    this.expected.delete(k);
    return e.expires >= now ? e.analyzer : null;
  }

  constructor(readonly opts: ResolvedAnalyzerOptions, seed: number) {
    this.fileIds = new UidGenerator(seed ^ 0x0f11e5);
  }

  newFileId(): string {
    return this.fileIds.next('F');
  }

  /** remembers a software string; false when seen before */
  noteSoftware(key: string): boolean {
    if (this.softwareSeen.has(key)) return false;
    if (this.softwareSeen.size >= 100_000) this.softwareSeen.clear();
    this.softwareSeen.add(key);
    return true;
  }
}

/** The context an analyzer works in: its connection, plus the dispatcher's services. */
export interface AppContext {
  readonly conn: ConnectionHandle;
  readonly shared: SharedState;
  /** confirms the analyzer's protocol (adds it to conn.log service) */
  confirm(a: AppAnalyzer): void;
  /** a protocol violation: the analyzer is detached (and its service removed if confirmed) */
  violation(a: AppAnalyzer, reason: string): void;
  /** a weird.log record */
  weird(name: string, addl?: string, source?: string): void;
  /** the id fields of the connection, in the current orientation */
  idFields(): Record<string, unknown>;
  /**
   * Attaches another protocol's analyzer to this connection from now on (FTP AUTH TLS and SMTP
   * STARTTLS hand over to TLS); returns it, or null if that protocol is disabled or unknown.
   */
  attach(name: string): AppAnalyzer | null;
}

/**
 * Splits a stream into CRLF/LF-terminated lines with a bounded line buffer: a line longer than
 * `cap` is cut at `cap` (the rest up to its end of line is dropped) and flagged as too long.
 */
export class LineSplitter {
  private readonly buf: BoundedBuffer;
  private skipping = false;

  constructor(
    readonly cap: number,
    private readonly onLine: (line: Buffer, tooLong: boolean) => void,
  ) {
    this.buf = new BoundedBuffer(cap);
  }

  /** feeds bytes; stops early (returning the offset reached) when `stop()` becomes true after a line */
  feed(data: Buffer, stop?: () => boolean): number {
    let start = 0;
    while (start < data.length) {
      const nl = data.indexOf(10, start);
      const end = nl < 0 ? data.length : nl;
      if (!this.skipping) {
        const piece = data.subarray(start, end);
        if (!this.buf.append(piece)) {
          this.buf.append(piece.subarray(0, this.cap - this.buf.length));
          this.skipping = true;
          this.emit(true);
        }
      }
      if (nl < 0) return data.length;
      start = nl + 1;
      if (this.skipping) this.skipping = false;
      else this.emit(false);
      if (stop?.()) return start;
    }
    return start;
  }

  private emit(tooLong: boolean): void {
    let line = this.buf.view();
    if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
    const copy = Buffer.from(line);
    this.buf.clear();
    this.onLine(copy, tooLong);
  }
}

/** Zeek's four id columns for a connection. */
export function connId(c: ConnectionHandle): Record<string, unknown> {
  return { 'id.orig_h': c.origH, 'id.orig_p': c.origP, 'id.resp_h': c.respH, 'id.resp_p': c.respP };
}

/**
 * A byte accumulator with a hard cap: bytes beyond `cap` are refused (the caller decides what a
 * refusal means, usually a protocol violation or skipping).
 */
export class BoundedBuffer {
  private buf: Buffer;
  length = 0;

  constructor(
    readonly cap: number,
    initial = 256,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(initial, cap));
  }

  /** Appends; returns false (and appends nothing) if that would exceed the cap. */
  append(data: Buffer | Uint8Array): boolean {
    const need = this.length + data.length;
    if (need > this.cap) return false;
    if (need > this.buf.length) {
      let n = this.buf.length * 2;
      while (n < need) n *= 2;
      const nb = Buffer.allocUnsafe(Math.min(n, this.cap));
      this.buf.copy(nb, 0, 0, this.length);
      this.buf = nb;
    }
    this.buf.set(data, this.length);
    this.length = need;
    return true;
  }

  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** drops the first n bytes */
  consume(n: number): void {
    if (n >= this.length) {
      this.length = 0;
      if (this.buf.length > 4096) this.buf = Buffer.allocUnsafe(256);
      return;
    }
    this.buf.copy(this.buf, 0, n, this.length);
    this.length -= n;
  }

  clear(): void {
    this.length = 0;
    if (this.buf.length > 4096) this.buf = Buffer.allocUnsafe(256);
  }
}

/** Bytes as Zeek's string type shows them (latin1, non-printables are escaped by the writer). */
export function bytesToString(b: Uint8Array, from = 0, to = b.length): string {
  return Buffer.from(b.buffer, b.byteOffset + from, to - from).toString('latin1');
}
