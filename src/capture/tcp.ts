/**
 * TCP endpoint state, sequence-space accounting and content-gap tracking with Zeek's semantics
 * (Zeek's TCP session adapter, TCP_Endpoint and TCP_Reassembler, re-derived from their
 * documented behaviour). Sizes come from sequence numbers, not from counting payload.
 */

export const enum EndpointState {
  Inactive = 0,
  SynSent = 1,
  SynAckSent = 2,
  Partial = 3,
  Established = 4,
  Closed = 5,
  Reset = 6,
}

/** The history letters that are logged logarithmically. */
export const enum Scaled {
  Checksum = 0,
  Retransmit = 1,
  ZeroWindow = 2,
  Gap = 3,
}

/** Signed 32-bit difference of two sequence numbers. */
export function seqDelta(a: number, b: number): number {
  return (a - b) | 0;
}

const TWO32 = 4294967296;

/** Zeek's tunables that change what gets reported. */
export interface TcpTunables {
  maxInitialWindow: number;
  maxAboveHoleWithoutAnyAcks: number;
  excessiveDataWithoutFurtherAcks: number;
}

/** A run of sequence space received from an endpoint, with its bytes when a consumer wants them. */
interface Block {
  seq: number;
  upper: number;
  data: Buffer | null;
}

/** Callbacks from the reassembler to the connection. */
export interface StreamSink {
  /** in-order payload (only called when `wantData`) */
  deliver(isOrig: boolean, seq: number, data: Buffer): void;
  /** a content gap was skipped */
  gap(isOrig: boolean, seq: number, len: number, reportable: boolean): void;
  /** all of the endpoint's data has been delivered after it closed */
  endpointEOF(endpoint: TcpEndpoint): void;
}

export class TcpEndpoint {
  state = EndpointState.Inactive;
  prevState = EndpointState.Inactive;
  peer!: TcpEndpoint;
  /** initial sequence number, possibly outside [0, 2^32) after wrap adjustments */
  startSeq = 0;
  lastSeq = 0;
  ackSeq = 0;
  seqWraps = 0;
  ackWraps = 0;
  finCnt = 0;
  rstCnt = 0;
  /** relative sequence number just past the FIN */
  finSeq = 0;
  didClose = false;
  histLastSyn = 0;
  histLastFin = 0;
  histLastRst = 0;
  lastTime = 0;
  // Logarithmic history counters (Zeek adds the letter at 1, 10, 100, ... occurrences),
  // indexed by `Scaled`.
  histCnt = [0, 0, 0, 0];
  histThresh = [1, 1, 1, 1];

  // Reassembler state (relative sequence space, starting at 1 after the SYN).
  lastReassemSeq = 1;
  trimSeq = 1;
  blocks: Block[] = [];
  skipDeliveries = false;
  didEOF = false;

  constructor(public isOrig: boolean) {}

  setState(s: EndpointState): void {
    if (s !== this.state) {
      this.prevState = this.state;
      this.state = s;
    }
  }

  fullLastSeq(): number {
    return this.seqWraps * TWO32 + this.lastSeq;
  }

  fullAckSeq(): number {
    return this.ackWraps * TWO32 + this.ackSeq;
  }

  toRelative(seq: number, wraps: number): number {
    return wraps * TWO32 + seq - this.startSeq;
  }

  initStartSeq(seq: number): void {
    this.startSeq = seq;
  }

  updateLastSeq(seq: number): void {
    if (seq < this.lastSeq) this.seqWraps++;
    this.lastSeq = seq;
  }

  updateAckSeq(seq: number): void {
    if (seq < this.ackSeq) this.ackWraps++;
    this.ackSeq = seq;
  }

  /** True if none of this endpoint's data has been acknowledged (allowing the SYN octet). */
  noDataAcked(): boolean {
    const ack = this.fullAckSeq();
    return ack === this.startSeq || ack === this.startSeq + 1;
  }

  /** Bytes sent, from sequence numbers (the conn.log orig_bytes/resp_bytes). */
  size(): number {
    if (
      this.prevState === EndpointState.SynSent &&
      this.state === EndpointState.Reset &&
      this.peer.state === EndpointState.Inactive &&
      !this.noDataAcked()
    ) {
      // A half-open connection discovered and aborted: its sequence numbers mean nothing.
      return 0;
    }
    const last = this.fullLastSeq();
    const ack = this.fullAckSeq();
    let size = (last > ack ? last : ack) - this.startSeq;
    // Zeek does this in uint64 arithmetic; a negative span wraps to a huge number there,
    // which cannot be represented faithfully here, so clamp.
    if (size < 0) size = 0;
    if (size !== 0) size--;
    if (this.finCnt > 0 && size !== 0) size--;
    return size;
  }

  /** Whether the endpoint looks established or is closing after being established. */
  isClean(): boolean {
    return (
      this.state === EndpointState.Established ||
      (this.state === EndpointState.Closed && this.prevState === EndpointState.Established)
    );
  }

  hasUndeliveredData(): boolean {
    const n = this.blocks.length;
    return n > 0 && this.blocks[n - 1]!.upper > this.lastReassemSeq;
  }

  numUndeliveredBytes(): number {
    const n = this.blocks.length;
    return n > 0 ? this.blocks[n - 1]!.upper - this.lastReassemSeq : 0;
  }

  /** bytes currently buffered in `blocks` (kept incrementally: summing per packet is quadratic) */
  blockBytes = 0;

  /** Whether data is still waiting for delivery (delays the "closed" bookkeeping). */
  dataPending(): boolean {
    if (this.skipDeliveries) return false;
    const delivered = this.startSeq + this.lastReassemSeq;
    const last = this.fullLastSeq();
    if (last < delivered) return false;
    if (delivered !== last - 1 && delivered !== last) return true;
    if (this.state !== EndpointState.Reset && this.peer.hasUndeliveredData()) return true;
    return false;
  }
}

/**
 * The reassembly bookkeeping of one endpoint. Kept separate from TcpEndpoint's fields only
 * for readability; all state lives on the endpoint.
 */
export class Reassembly {
  constructor(
    private readonly tun: TcpTunables,
    private readonly sink: StreamSink,
    private readonly isPartial: () => boolean,
  ) {}

  /** New payload at relative sequence `seq`. `data` may be null when nobody wants bytes. */
  dataSent(e: TcpEndpoint, seq: number, len: number, data: Buffer | null): void {
    const ack = e.toRelative(e.ackSeq, e.ackWraps);
    const upper = seq + len;
    if (e.skipDeliveries) return;
    if (seq < ack) {
      if (upper <= ack) return; // already delivered and acked
      const acked = ack - seq;
      seq += acked;
      len -= acked;
      if (data) data = data.subarray(acked);
    }
    this.newBlock(e, seq, len, data);
    if (
      e.noDataAcked() &&
      this.tun.maxAboveHoleWithoutAnyAcks > 0 &&
      e.numUndeliveredBytes() > this.tun.maxAboveHoleWithoutAnyAcks
    ) {
      e.blocks = [];
      e.blockBytes = 0;
      e.skipDeliveries = true;
    }
    if (this.tun.excessiveDataWithoutFurtherAcks > 0 && e.blockBytes > this.tun.excessiveDataWithoutFurtherAcks) {
      e.blocks = [];
      e.blockBytes = 0;
      e.skipDeliveries = true;
    }
  }

  private newBlock(e: TcpEndpoint, seq: number, len: number, data: Buffer | null): void {
    if (len <= 0) return;
    const upper = seq + len;
    if (upper <= e.trimSeq) return;
    if (seq < e.trimSeq) {
      const old = e.trimSeq - seq;
      seq += old;
      len -= old;
      if (data) data = data.subarray(old);
    }
    this.insert(e, seq, upper, data);
    this.blockInserted(e);
  }

  /** Inserts only the parts of [seq, upper) not already covered, keeping blocks sorted. */
  private insert(e: TcpEndpoint, seq: number, upper: number, data: Buffer | null): void {
    const blocks = e.blocks;
    const n = blocks.length;
    if (n === 0 || seq >= blocks[n - 1]!.upper) {
      blocks.push({ seq, upper, data: data ? Buffer.from(data.subarray(0, upper - seq)) : null });
      e.blockBytes += upper - seq;
      return;
    }
    // Binary search for the first block ending after seq.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (blocks[mid]!.upper <= seq) lo = mid + 1;
      else hi = mid;
    }
    const pieces: Block[] = [];
    let cur = seq;
    let i = lo;
    while (cur < upper) {
      const b = i < n ? blocks[i]! : null;
      if (!b || upper <= b.seq) {
        pieces.push(piece(cur, upper, seq, data));
        cur = upper;
        break;
      }
      if (cur < b.seq) {
        pieces.push(piece(cur, b.seq, seq, data));
        cur = b.seq;
      }
      cur = Math.max(cur, b.upper);
      i++;
    }
    if (pieces.length === 0) return;
    for (const pc of pieces) e.blockBytes += pc.upper - pc.seq;
    // Merge the pieces into place (they fall between existing blocks, in order).
    const merged: Block[] = blocks.slice(0, lo);
    let p = 0;
    for (let j = lo; j < n; j++) {
      const b = blocks[j]!;
      while (p < pieces.length && pieces[p]!.seq < b.seq) merged.push(pieces[p++]!);
      merged.push(b);
    }
    while (p < pieces.length) merged.push(pieces[p++]!);
    e.blocks = merged;
  }

  /** Delivers whatever became contiguous at lastReassemSeq. */
  blockInserted(e: TcpEndpoint): void {
    const blocks = e.blocks;
    let delivered = false;
    for (const b of blocks) {
      if (b.seq > e.lastReassemSeq) break;
      if (b.upper <= e.lastReassemSeq) continue;
      const from = e.lastReassemSeq;
      e.lastReassemSeq = b.upper;
      delivered = true;
      if (b.data) this.sink.deliver(e.isOrig, from, b.data.subarray(from - b.seq));
    }
    if (!delivered) return;
    if (e.noDataAcked() && this.tun.maxInitialWindow > 0 && e.size() > this.tun.maxInitialWindow) {
      // Lots of unacknowledged data: we are probably not seeing the peer's acks.
      this.trimToSeq(e, e.lastReassemSeq);
    }
  }

  /** The peer acknowledged up to relative sequence `seq`. */
  ackReceived(e: TcpEndpoint, seq: number): void {
    if (e.finCnt > 0 && seq >= e.finSeq) seq = e.finSeq - 1;
    if (seq <= e.trimSeq) return;
    this.trimToSeq(e, seq);
    this.checkEOF(e);
  }

  trimToSeq(e: TcpEndpoint, seq: number): void {
    if (seq > e.lastReassemSeq) this.undelivered(e, seq);
    const blocks = e.blocks;
    let k = 0;
    while (k < blocks.length && blocks[k]!.upper <= seq) {
      e.blockBytes -= blocks[k]!.upper - blocks[k]!.seq;
      k++;
    }
    if (k > 0) blocks.splice(0, k);
    if (blocks.length > 0 && blocks[0]!.seq === e.lastReassemSeq) this.blockInserted(e);
    e.trimSeq = seq;
  }

  private undelivered(e: TcpEndpoint, upTo: number): void {
    if (upTo <= 2 && this.isPartial()) {
      // Faked initial sequence numbers of a partial connection: not a real gap.
      return;
    }
    if (!e.skipDeliveries) {
      for (let idx = 0; idx < e.blocks.length; idx++) {
        const b = e.blocks[idx]!;
        if (b.seq < e.lastReassemSeq) continue;
        if (b.seq >= upTo) break;
        const gapAt = e.lastReassemSeq;
        const gapLen = b.seq - gapAt;
        this.gap(e, gapAt, gapLen);
        e.lastReassemSeq += gapLen;
        this.blockInserted(e);
        idx = -1; // delivery may have changed what is buffered: rescan
      }
      if (upTo > e.lastReassemSeq) this.gap(e, e.lastReassemSeq, upTo - e.lastReassemSeq);
    }
    if (upTo > e.lastReassemSeq) e.lastReassemSeq = upTo;
  }

  private gap(e: TcpEndpoint, seq: number, len: number): void {
    const clean = e.isClean() && e.peer.isClean();
    this.sink.gap(e.isOrig, seq, len, clean);
  }

  checkEOF(e: TcpEndpoint): void {
    if (
      !e.didEOF &&
      (e.finCnt > 0 || e.state === EndpointState.Closed || e.state === EndpointState.Reset) &&
      !e.dataPending()
    ) {
      e.didEOF = true;
      this.sink.endpointEOF(e);
    }
  }
}

function piece(from: number, to: number, dataSeq: number, data: Buffer | null): Block {
  return {
    seq: from,
    upper: to,
    data: data ? Buffer.from(data.subarray(from - dataSeq, to - dataSeq)) : null,
  };
}
