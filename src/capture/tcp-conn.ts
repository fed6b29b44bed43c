/**
 * TCP connection tracking (Zeek's TCPSessionAdapter): connection reuse, direction fixes, the
 * endpoint state machine, history letters, relative sequence numbers, reassembly hand-off,
 * closing and the TCP timers (attempt, expire, delete, reset).
 */
import { transportChecksumOk } from './checksum.js';
import { connKey, dstKeyOf, isBroadcast, srcKeyOf, type ConnTable } from './conn-table.js';
import { TimerKind, type Connection, type PacketContext } from './connection.js';
import type { IpPacket } from './ip.js';
import type { ResolvedOptions } from './options.js';
import { EndpointState as ES, Scaled, seqDelta, type TcpEndpoint, type TcpTunables } from './tcp.js';
import { scaledHistory, TcpSession } from './tcp-session.js';

// History masks (Zeek's TCP_Endpoint::HistoryMasks); the responder's are shifted by 16.
const HIST_SYN = 0x1;
const HIST_FIN = 0x2;
const HIST_RST = 0x4;
const HIST_FIN_RST = 0x8;
const HIST_DATA = 0x10;
const HIST_ACK = 0x20;
const HIST_MULTI_FLAG = 0x40;

const TH_FIN = 0x01;
const TH_SYN = 0x02;
const TH_RST = 0x04;
const TH_ACK = 0x10;

/** Outcome bits of the state machine: close the endpoint, and whether that finishes the connection. */
const CLOSE = 1;
const GEN_EVENT = 2;

/** Ports whose connections get the long-lived inactivity timeout (conn/inactivity.zeek). */
const LONG_LIVED_TCP_PORTS: ReadonlySet<number> = new Set([21, 22, 23, 513]);

/** The segment being processed; one per tracker, refilled per packet (no allocation). */
interface Segment {
  t: number;
  isOrig: boolean;
  seq: number;
  /** payload length */
  len: number;
  SYN: boolean;
  FIN: boolean;
  RST: boolean;
  ACK: boolean;
  /** the packet's buffer and where its payload starts (-1 when not all of it was captured) */
  buf: Buffer;
  payloadOff: number;
}

function isHandshake(s: ES): boolean {
  return s === ES.Inactive || s === ES.SynSent || s === ES.SynAckSent;
}

export class TcpConnections {
  private readonly opts: ResolvedOptions;
  private readonly tunables: TcpTunables;
  private readonly seg: Segment = { t: 0, isOrig: true, seq: 0, len: 0, SYN: false, FIN: false, RST: false, ACK: false, buf: Buffer.alloc(0), payloadOff: -1 };

  constructor(private readonly table: ConnTable) {
    this.opts = table.opts;
    this.tunables = {
      maxInitialWindow: this.opts.tcpMaxInitialWindow,
      maxAboveHoleWithoutAnyAcks: this.opts.tcpMaxAboveHoleWithoutAnyAcks,
      excessiveDataWithoutFurtherAcks: this.opts.tcpExcessiveDataWithoutFurtherAcks,
    };
  }

  process(p: IpPacket, ctx: PacketContext): void {
    const buf = p.buf;
    const o = p.l4Off;
    if (p.l4Len < 20 || p.l4Cap < 20) return; // truncated header
    const sport = buf.readUInt16BE(o);
    const dport = buf.readUInt16BE(o + 2);
    const srcKey = srcKeyOf(p);
    const dstKey = dstKeyOf(p);
    const flags = buf[o + 13]!;
    const seq = buf.readUInt32BE(o + 4);
    const c = this.connectionFor(p, ctx, srcKey, dstKey, sport, dport, flags, seq);
    const s = c.tcp!;
    const created = s.justCreated;
    s.justCreated = false;
    c.addParent(ctx.parentUid);
    let isOrig = srcKey === c.origKeyAddr && sport === c.origP;
    if (srcKey === dstKey && sport === dport) isOrig = true;

    const hdrLen = (buf[o + 12]! >> 4) * 4;
    if (hdrLen < 20) return; // bad_TCP_header_len
    if (hdrLen > p.l4Len || hdrLen > p.l4Cap) return; // truncated_header
    const len = p.l4Len - hdrLen;
    const remaining = p.l4Cap - hdrLen;

    // A trace that began with a SYN-ACK: once the other side acks or sends data, the SYN-ACK
    // sender must have been the responder.
    if (!isOrig && c.history === 'H' && !(flags & TH_SYN) && (flags & TH_ACK || len > 0)) {
      c.flipRoles();
      c.history = '^h';
      isOrig = true;
      if (s.resp.state === ES.SynAckSent) s.resp.setState(ES.Established);
    }
    const endpoint = isOrig ? s.orig : s.resp;
    if (!this.opts.ignoreChecksums && remaining >= len && !transportChecksumOk(p, 6)) {
      scaledHistory(c, endpoint, Scaled.Checksum, 'C');
      return;
    }
    const seg = this.seg;
    seg.t = ctx.ts;
    seg.isOrig = isOrig;
    seg.seq = seq;
    seg.len = len;
    seg.SYN = (flags & TH_SYN) !== 0;
    seg.FIN = (flags & TH_FIN) !== 0;
    seg.RST = (flags & TH_RST) !== 0;
    seg.ACK = (flags & TH_ACK) !== 0;
    seg.buf = buf;
    seg.payloadOff = remaining >= len ? o + hdrLen : -1;
    this.segment(c, s, endpoint, seg, buf.readUInt32BE(o + 8), buf.readUInt16BE(o + 14));

    c.countPacket(isOrig, p.ipLen);
    if (created && LONG_LIVED_TCP_PORTS.has(c.respP)) {
      // conn/inactivity.zeek runs at new_connection, i.e. after the first packet.
      this.table.setInactivityTimeout(c, this.opts.longLivedInactivityTimeout);
    }
  }

  /** The connection of this segment: the tracked one, or a new one (also when a SYN reuses the tuple). */
  private connectionFor(p: IpPacket, ctx: PacketContext, srcKey: string, dstKey: string, sport: number, dport: number, flags: number, seq: number): Connection {
    const key = connKey(6, srcKey, sport, dstKey, dport, false);
    const table = this.table;
    const existing = table.conns.get(key);
    if (existing) {
      if (!this.isReuse(existing.tcp!, flags, seq)) return existing;
      table.remove(existing);
    }
    const c = table.create(key, p, ctx, 'tcp', sport, dport, srcKey, dstKey);
    c.tcp = new TcpSession(c, this.tunables, (e, peer, genEvent) => this.connectionClosed(c, e, peer, genEvent));
    table.addAnalyzerTimer(c, ctx.ts + this.opts.tcpSynTimeout, TimerKind.TcpExpire);
    table.setInactivityTimeout(c, this.opts.udpInactivityTimeout);
    // Flip by likely_server_ports when the first packet is not a pure SYN.
    if (!(flags & TH_SYN) || flags & TH_ACK) {
      let flip = false;
      if (this.opts.likelyTcp.has(sport)) {
        flip = this.opts.likelyTcp.has(dport) ? !(flags & TH_SYN) && sport < dport : true;
      }
      if (flip && !isBroadcast(p)) c.flipRoles();
    }
    table.attachAnalyzer(c);
    return c;
  }

  /** Everything after the header checks: sequence space, history, acks, state, payload, close. */
  private segment(c: Connection, s: TcpSession, endpoint: TcpEndpoint, seg: Segment, ackSeq: number, window: number): void {
    const peer = endpoint.peer;
    const { SYN, FIN, RST, ACK, isOrig, seq, len, t } = seg;
    // SetPartialStatus
    if (isOrig) {
      if (!(s.firstPacketSeen & 1)) s.isPartial = !SYN || ACK;
    } else if (!(s.firstPacketSeen & 2) && !s.isPartial) {
      s.isPartial = !SYN;
    }

    let segLen = len + (SYN ? 1 : 0) + (FIN ? 1 : 0);
    if (RST) segLen -= len;
    const seqOnePast = (seq + segLen) >>> 0;

    initEndpoint(endpoint, SYN, seq, seqOnePast);

    const wraps = seqWraps(seq, endpoint.lastSeq, endpoint.seqWraps);
    const relSeq = relativeSeq(endpoint, seq, wraps);
    const seqUnderflow = wraps === 0 && relSeq < 0;

    updateHistory(s, endpoint, seg, relSeq);
    // Zero window (W/w).
    if (window === 0 && !RST && peer.state !== ES.Closed && endpoint.state !== ES.Reset) {
      scaledHistory(c, endpoint, Scaled.ZeroWindow, 'W');
    }

    if (!s.orig.didClose || !s.resp.didClose) c.lastTime = t;

    if (FIN) {
      endpoint.finCnt++;
      endpoint.finSeq = relSeq + segLen;
    }
    if (RST) endpoint.rstCnt++;

    const relAck = ACK ? this.acknowledge(peer, ackSeq, RST) : 0;

    updateLastSeq(c, endpoint, seqOnePast, seg);
    endpoint.lastTime = t;

    const outcome = this.stateMachine(c, s, endpoint, seg);

    if (ACK) s.reassembly.ackReceived(peer, relAck);

    // CheckPIA_FirstPacket
    s.firstPacketSeen |= isOrig ? 1 : 2;

    const relDataSeq = SYN ? relSeq + 1 : relSeq;
    const off = seg.payloadOff;
    if (len > 0 && !RST && !seqUnderflow && off >= 0) {
      const wantData = c.analyzer?.deliverStream !== undefined;
      s.reassembly.dataSent(endpoint, relDataSeq, len, wantData ? seg.buf.subarray(off, off + len) : null);
    }
    s.reassembly.checkEOF(endpoint);

    if (outcome & CLOSE) this.connectionClosed(c, endpoint, peer, (outcome & GEN_EVENT) !== 0);
  }

  /** The peer's side of an ACK: its relative ack number, and its ack point moved on. */
  private acknowledge(peer: TcpEndpoint, ackSeq: number, RST: boolean): number {
    if (peer.state === ES.Inactive) {
      // Start the peer's numbering as if we had seen its SYN.
      const base = (ackSeq - 1) >>> 0;
      peer.initStartSeq(base);
      peer.ackSeq = base;
      peer.lastSeq = base;
      return 1;
    }
    const wraps = seqWraps(ackSeq, peer.ackSeq, peer.ackWraps);
    const rel = relativeSeq(peer, ackSeq, wraps);
    if (wraps === 0 && rel < 0) return 0;
    if (!RST) {
      const deltaAck = seqDelta(ackSeq, peer.ackSeq);
      if (!(ackSeq === 0 && deltaAck > 1048576) && deltaAck > 0) peer.updateAckSeq(ackSeq);
    }
    return rel;
  }

  /** Zeek's TCPSessionAdapter::IsReuse: does this SYN start a new connection on the tuple? */
  private isReuse(s: TcpSession, flags: number, seq: number): boolean {
    if (!(flags & TH_SYN)) return false;
    let connOrig = s.orig;
    if (flags & TH_ACK) {
      if (s.orig.state !== ES.Inactive) return false;
      connOrig = s.resp;
    }
    if (s.isActive) {
      if (seq === (connOrig.startSeq >>> 0)) return false;
      if (!(flags & TH_ACK) && connOrig.state === ES.SynAckSent && s.resp.state === ES.Inactive && seq === (s.resp.startSeq >>> 0)) {
        return false;
      }
    }
    return true;
  }

  private setEndpointState(c: Connection, e: TcpEndpoint, ns: ES): void {
    if (ns !== e.state) {
      // Leaving the handshake switches the connection to the TCP inactivity timeout.
      if (!isHandshake(ns) && isHandshake(e.state) && isHandshake(e.peer.state)) {
        this.table.setInactivityTimeout(c, this.opts.tcpInactivityTimeout);
      }
      e.setState(ns);
    }
  }

  /** Zeek's TCPSessionAdapter::UpdateStateMachine; returns CLOSE and GEN_EVENT bits. */
  private stateMachine(c: Connection, s: TcpSession, e: TcpEndpoint, seg: Segment): number {
    const peer = e.peer;
    const { SYN, FIN, RST, ACK, isOrig } = seg;
    let outcome = 0;
    switch (e.state) {
      case ES.Inactive: {
        if (SYN) {
          if (isOrig) {
            this.setEndpointState(c, e, ACK ? ES.SynAckSent : ES.SynSent);
            if (this.opts.tcpAttemptDelay) this.table.addAnalyzerTimer(c, seg.t + this.opts.tcpAttemptDelay, TimerKind.TcpAttempt);
          } else {
            if (!ACK && peer.state === ES.SynAckSent && seg.seq === e.startSeq >>> 0) {
              // SYN/SYN-ACK reversal: flip and establish.
              s.isPartial = false;
              c.flipRoles();
              this.setEndpointState(c, peer, ES.Established);
              s.firstPacketSeen |= 1;
            }
            if (peer.state === ES.SynSent) this.setEndpointState(c, peer, ES.Established);
            this.setEndpointState(c, e, ES.Established);
          }
        }
        if (FIN) {
          this.setEndpointState(c, e, ES.Closed);
          outcome = CLOSE | GEN_EVENT;
        }
        if (RST) {
          this.setEndpointState(c, e, ES.Reset);
          const isReject = isOrig ? peer.state === ES.Established : peer.state === ES.SynSent || peer.state === ES.SynAckSent;
          outcome = isReject ? CLOSE : CLOSE | GEN_EVENT;
        }
        if (e.state === ES.Inactive) {
          if (!isOrig && seg.len === 0 && s.orig.state === ES.SynSent) {
            // an ack of the SYN before the SYN-ACK: not a partial connection
          } else if (ACK && peer.state === ES.Established) {
            this.setEndpointState(c, e, ES.Established);
            s.isPartial = false;
            s.firstPacketSeen |= isOrig ? 1 : 2;
          } else {
            this.setEndpointState(c, e, ES.Partial);
          }
        }
        break;
      }
      case ES.SynSent:
      case ES.SynAckSent:
        if (FIN) {
          this.setEndpointState(c, e, ES.Closed);
          outcome = CLOSE | GEN_EVENT;
        }
        if (RST) {
          this.setEndpointState(c, e, ES.Reset);
          s.isActive = false; // ConnectionReset
          outcome |= CLOSE;
        }
        break;
      case ES.Established:
      case ES.Partial:
        if (SYN && e.state === ES.Partial && peer.state === ES.Inactive && !ACK) {
          this.setEndpointState(c, e, ES.SynSent);
        }
        if (FIN && !RST) {
          this.setEndpointState(c, e, ES.Closed);
          if (peer.state === ES.Reset && peer.prevState === ES.Closed) this.setEndpointState(c, peer, ES.Closed);
          outcome = CLOSE | GEN_EVENT;
        }
        if (RST) {
          this.setEndpointState(c, e, ES.Reset);
          outcome |= CLOSE;
          if (peer.state !== ES.Reset || peer.prevState !== ES.Established) s.isActive = false;
        }
        break;
      case ES.Closed:
        if (RST && peer.state !== ES.Closed) {
          this.setEndpointState(c, e, ES.Reset);
          if (!e.didClose) outcome = CLOSE;
          // Zeek schedules ResetTimer only when a connection_reset handler exists; base
          // scripts have none, so nothing is scheduled here.
        }
        break;
      case ES.Reset:
        break;
    }
    return outcome;
  }

  /** Zeek's TCPSessionAdapter::ConnectionClosed. */
  private connectionClosed(c: Connection, e: TcpEndpoint, peer: TcpEndpoint, genEvent: boolean): void {
    const s = c.tcp!;
    if (c.removed) return;
    if (e.dataPending()) {
      s.closeDeferred = true;
      if (!s.deferredGenEvent) s.deferredGenEvent = genEvent;
      return;
    }
    s.closeDeferred = false;
    if (e.didClose) return;
    e.didClose = true;
    const closeComplete = e.state === ES.Reset || peer.didClose || peer.state === ES.Inactive;
    if (closeComplete) {
      if (e.prevState !== ES.Inactive || peer.state !== ES.Inactive) {
        if (s.deferredGenEvent) {
          genEvent = true;
          s.deferredGenEvent = false;
        }
        if (genEvent) s.isActive = false; // ConnectionFinished
      }
      this.table.cancelAnalyzerTimers(c);
      this.table.addAnalyzerTimer(c, c.lastTime + this.opts.tcpCloseDelay, TimerKind.TcpDelete);
    } else if (e.prevState !== ES.Inactive) {
      this.table.addAnalyzerTimer(c, c.lastTime + this.opts.tcpSessionTimer, TimerKind.TcpExpire);
    }
  }

  /** A TCP analyzer timer fired. */
  timer(c: Connection, kind: TimerKind): void {
    const s = c.tcp!;
    switch (kind) {
      case TimerKind.TcpAttempt:
        if (!s.isActive) return;
        if ((s.orig.state === ES.SynSent || s.orig.state === ES.SynAckSent) && s.resp.state === ES.Inactive) {
          s.isActive = false;
          this.table.remove(c);
        }
        return;
      case TimerKind.TcpExpire:
        this.expire(c, s);
        return;
      case TimerKind.TcpDelete:
        this.table.remove(c);
        return;
      case TimerKind.TcpReset:
        if (s.isActive) this.table.remove(c);
        return;
      default:
        return;
    }
  }

  /** Zeek's ExpireTimer: a closed or never-answered connection goes after the linger time. */
  private expire(c: Connection, s: TcpSession): void {
    if (!s.isActive) return;
    const t = this.table.now;
    const { orig, resp } = s;
    if (c.lastTime + this.opts.tcpConnectionLinger < t) {
      if (orig.didClose || resp.didClose) {
        if ((orig.didClose && resp.didClose) || orig.state === ES.Reset || resp.state === ES.Reset || orig.state === ES.Inactive || resp.state === ES.Inactive) {
          s.isActive = false;
          this.table.remove(c);
          return;
        }
      }
      if (resp.state === ES.Inactive && orig.state === ES.Inactive) {
        this.table.remove(c);
        return;
      }
    }
    this.table.addAnalyzerTimer(c, t + this.opts.tcpSessionTimer, TimerKind.TcpExpire);
  }
}

function initEndpoint(e: TcpEndpoint, SYN: boolean, firstSeq: number, lastSeq: number): void {
  switch (e.state) {
    case ES.Inactive:
      if (SYN) {
        e.ackSeq = firstSeq;
        e.initStartSeq(firstSeq);
      } else {
        const base = (firstSeq - 1) >>> 0;
        e.ackSeq = base;
        e.initStartSeq(base);
        lastSeq = firstSeq;
      }
      e.lastSeq = lastSeq;
      break;
    case ES.SynSent:
    case ES.SynAckSent:
      if (SYN && firstSeq !== e.startSeq >>> 0) {
        e.initStartSeq(firstSeq);
        e.ackSeq = firstSeq;
        e.lastSeq = lastSeq;
      }
      break;
    case ES.Established:
    case ES.Partial:
      if (SYN) {
        e.initStartSeq(firstSeq);
        e.ackSeq = firstSeq;
        e.lastSeq = lastSeq;
      }
      break;
    case ES.Reset:
      if (SYN && e.prevState === ES.Inactive) {
        e.initStartSeq(firstSeq);
        e.ackSeq = firstSeq;
        e.lastSeq = lastSeq;
      }
      break;
    default:
      break;
  }
}

function updateHistory(s: TcpSession, e: TcpEndpoint, seg: Segment, relSeq: number): void {
  const { SYN, FIN, RST, ACK, len } = seg;
  const bits = (SYN ? 1 : 0) + (FIN ? 1 : 0) + (RST ? 1 : 0);
  if (bits > 1) {
    if (FIN && RST) s.checkHistory(e, HIST_FIN_RST, 'I');
    else s.checkHistory(e, HIST_MULTI_FLAG, 'Q');
  } else if (bits === 1) {
    if (SYN) {
      const code = ACK ? 'H' : 'S';
      if (s.checkHistory(e, HIST_SYN, code) && relSeq !== e.histLastSyn) s.addHistory(e, code);
      e.histLastSyn = relSeq;
    }
    if (FIN) {
      if (s.checkHistory(e, HIST_FIN, 'F') && relSeq + len !== e.histLastFin) s.addHistory(e, 'F');
      e.histLastFin = relSeq + len;
    }
    if (RST) {
      if (s.checkHistory(e, HIST_RST, 'R') && relSeq !== e.histLastRst) s.addHistory(e, 'R');
      e.histLastRst = relSeq;
    }
  } else if (len) {
    s.checkHistory(e, HIST_DATA, 'D');
  } else if (ACK) {
    s.checkHistory(e, HIST_ACK, 'A');
  }
}

function updateLastSeq(c: Connection, e: TcpEndpoint, lastSeq: number, seg: Segment): void {
  const delta = seqDelta(lastSeq, e.lastSeq);
  if ((seg.SYN || seg.RST) && (delta > 1048576 || delta < -1048576)) {
    // don't trust wild SYN/RST sequence numbers
  } else if (seg.FIN && e.lastSeq === ((e.startSeq + 1) >>> 0)) {
    e.updateLastSeq(lastSeq);
  } else if (e.state === ES.Reset) {
    // don't trust anything after a RST
  } else if (delta > 0) {
    e.updateLastSeq(lastSeq);
  } else if (delta <= 0 && seg.len > 0) {
    scaledHistory(c, e, Scaled.Retransmit, 'T');
  }
}

/** The wrap count Zeek's get_relative_seq uses for `cur`, given the last value seen and its wraps. */
function seqWraps(cur: number, last: number, wraps: number): number {
  const delta = seqDelta(cur, last);
  if (delta < 0) {
    if (wraps && cur > last) wraps--;
  } else if (delta > 0) {
    if (cur < last) wraps++;
  }
  return wraps;
}

/**
 * Zeek's get_relative_seq, with the wraps from `seqWraps`. With no wrap a negative result is
 * Zeek's "underflow" (a sequence number before the endpoint's start).
 */
function relativeSeq(e: TcpEndpoint, cur: number, wraps: number): number {
  return wraps === 0 ? seqDelta(cur, e.startSeq >>> 0) : e.toRelative(cur, wraps);
}
