/**
 * The TCP state of one connection (Zeek's TCPSessionAdapter data): both endpoints, the
 * reassembler, and the flags the state machine keeps between packets.
 */
import type { ConnectionAnalyzer } from './analyzer.js';
import { Reassembly, Scaled, TcpEndpoint, type StreamSink, type TcpTunables } from './tcp.js';

/** What the session needs of its connection. */
export interface TcpSessionOwner {
  analyzer: ConnectionAnalyzer | null;
  missedBytes: number;
  checkHistory(mask: number, code: string): boolean;
  addHistory(code: string): void;
}

/** Called when a close that waited for pending data can go ahead (Zeek's deferred close). */
export type DeferredClose = (e: TcpEndpoint, peer: TcpEndpoint, genEvent: boolean) => void;

export class TcpSession implements StreamSink {
  orig = new TcpEndpoint(true);
  resp = new TcpEndpoint(false);
  isActive = true;
  isPartial = false;
  firstPacketSeen = 0; // bit 1: orig, bit 2: resp
  closeDeferred = false;
  deferredGenEvent = false;
  /** true until the first packet of the connection has been looked at */
  justCreated = true;
  readonly reassembly: Reassembly;

  constructor(
    private readonly conn: TcpSessionOwner,
    tunables: TcpTunables,
    private readonly onDeferredClose: DeferredClose,
  ) {
    this.orig.peer = this.resp;
    this.resp.peer = this.orig;
    this.reassembly = new Reassembly(tunables, this, () => this.isPartial);
  }

  flip(): void {
    [this.orig, this.resp] = [this.resp, this.orig];
    this.orig.isOrig = true;
    this.resp.isOrig = false;
    this.firstPacketSeen = (this.firstPacketSeen & 1 ? 2 : 0) | (this.firstPacketSeen & 2 ? 1 : 0);
    this.isPartial = false;
  }

  /** Frees the reassembly buffers once the connection is logged. */
  release(): void {
    this.orig.blocks = [];
    this.resp.blocks = [];
  }

  // StreamSink
  deliver(isOrig: boolean, _seq: number, data: Buffer): void {
    this.conn.analyzer?.deliverStream?.(isOrig, data);
  }

  gap(isOrig: boolean, _seq: number, len: number, clean: boolean): void {
    if (clean) {
      scaledHistory(this.conn, isOrig ? this.orig : this.resp, Scaled.Gap, 'G');
      this.conn.missedBytes += len;
    }
    this.conn.analyzer?.contentGap?.(isOrig, len);
  }

  endpointEOF(e: TcpEndpoint): void {
    if (this.closeDeferred) {
      this.closeDeferred = false;
      this.onDeferredClose(e, e.peer, this.deferredGenEvent);
    }
  }

  /** The connection's checkHistory for endpoint `e` (the responder's bits are shifted by 16, its letters lower case). */
  checkHistory(e: TcpEndpoint, mask: number, code: string): boolean {
    return e.isOrig ? this.conn.checkHistory(mask, code) : this.conn.checkHistory(mask << 16, code.toLowerCase());
  }

  addHistory(e: TcpEndpoint, code: string): void {
    this.conn.addHistory(e.isOrig ? code : code.toLowerCase());
  }
}

/**
 * Zeek's Connection::ScaledHistoryEntry: the letter at the 1st, 10th, 100th ... occurrence.
 * `which` indexes the endpoint's counter arrays.
 */
export function scaledHistory(conn: TcpSessionOwner, e: TcpEndpoint, which: Scaled, code: string): void {
  const cnt = ++e.histCnt[which]!;
  if (cnt === e.histThresh[which]) {
    conn.addHistory(e.isOrig ? code : code.toLowerCase());
    e.histThresh[which] = cnt * 10;
  }
}
