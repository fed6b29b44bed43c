/**
 * Connection tracking with Zeek's conn.log semantics: keys and direction, TCP endpoint state
 * machine, history, sizes from sequence numbers, content gaps, packet/IP byte counters, and
 * removal driven by timers on packet time.
 */
import type { AnalyzerFactory, ConnectionAnalyzer, ConnectionHandle } from './analyzer.js';
import { foldSum, formatIPv4, formatIPv6, formatMac, onesSum } from './decode.js';
import type { IpPacket } from './ip.js';
import type { ResolvedOptions } from './options.js';
import { UidGenerator } from './options.js';
import { EndpointState as ES, Reassembly, Scaled, TcpEndpoint, seqDelta, type StreamSink } from './tcp.js';
import { TimerHeap, type TimerEntry } from './timers.js';

export type LogSink = (log: string, rec: Record<string, unknown>) => void;

/** Per-packet context that is not part of the IP datagram. */
export interface PacketContext {
  ts: number;
  /** buffer holding the link-layer addresses (-1 offsets when none) */
  l2Buf: Buffer | null;
  l2SrcOff: number;
  l2DstOff: number;
  /** uid of the tunnel this packet came out of, or null */
  parentUid: string | null;
  /** number of tunnel layers around this packet */
  depth: number;
}

const enum Proto {
  Tcp = 6,
  Udp = 17,
  Icmp = 1,
  Icmp6 = 58,
}

const enum TimerKind {
  Inactivity,
  TcpExpire,
  TcpAttempt,
  TcpDelete,
  TcpReset,
  DnsExpire,
}

// History masks (Zeek's TCP_Endpoint::HistoryMasks); the responder's are shifted by 16.
const HIST_SYN = 0x1;
const HIST_FIN = 0x2;
const HIST_RST = 0x4;
const HIST_FIN_RST = 0x8;
const HIST_DATA = 0x10;
const HIST_ACK = 0x20;
const HIST_MULTI_FLAG = 0x40;
// UDP/ICMP use their own small masks.
const HIST_ORIG_DATA = 0x1;
const HIST_RESP_DATA = 0x2;
const HIST_ORIG_CORRUPT = 0x4;
const HIST_RESP_CORRUPT = 0x8;

const TH_FIN = 0x01;
const TH_SYN = 0x02;
const TH_RST = 0x04;
const TH_ACK = 0x10;

const LONG_LIVED_TCP_PORTS = new Set([21, 22, 23, 513]);

/** ICMP types that have a request/reply counterpart (Zeek's ICMP4_counterpart). */
const ICMP4_COUNTERPART: Record<number, number> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17 };
/** Zeek's ICMP6_counterpart. */
const ICMP6_COUNTERPART: Record<number, number> = {
  128: 129,
  129: 128,
  133: 134,
  134: 133,
  135: 136,
  136: 135,
  130: 131,
  131: 130,
  139: 140,
  140: 139,
  144: 145,
  145: 144,
};

export class Connection implements ConnectionHandle {
  uid: string;
  proto: 'tcp' | 'udp' | 'icmp' | 'unknown_transport';
  ipProto: number;
  origH: string;
  origP: number;
  respH: string;
  respP: number;
  /** key-form (latin1) address of the originator, to tell direction of later packets */
  origKeyAddr: string;
  origAddrBytes: Uint8Array;
  respAddrBytes: Uint8Array;
  startTime: number;
  lastTime: number;
  history = '';
  histSeen = 0;
  origPkts = 0;
  origIpBytes = 0;
  respPkts = 0;
  respIpBytes = 0;
  origL2: string | null;
  respL2: string | null;
  tunnelParents: Set<string> | null = null;
  services: string[] = [];
  missedBytes = 0;
  removed = false;
  inactivityTimeout = 0;
  inactivityTimer: TimerEntry<Connection> | null = null;
  /** analyzer timers (TCP attempt/expire/delete), cancelled together like Zeek's */
  analyzerTimers: TimerEntry<Connection>[] = [];
  // UDP / ICMP / other: bytes per direction, -1 until the first valid packet
  origLen = -1;
  respLen = -1;
  tcp: TcpState | null = null;
  analyzer: ConnectionAnalyzer | null = null;
  /** tunnel type when this (UDP) connection carries a tunnel */
  tunnelType: string | null = null;
  tunnelOrigSeen = false;
  tunnelRespSeen = false;

  constructor(
    readonly key: string,
    private readonly tracker: ConnTracker,
    uid: string,
    proto: Connection['proto'],
    ipProto: number,
    origH: string,
    origP: number,
    respH: string,
    respP: number,
    origKeyAddr: string,
    origAddrBytes: Uint8Array,
    respAddrBytes: Uint8Array,
    ts: number,
    origL2: string | null,
    respL2: string | null,
  ) {
    this.uid = uid;
    this.proto = proto;
    this.ipProto = ipProto;
    this.origH = origH;
    this.origP = origP;
    this.respH = respH;
    this.respP = respP;
    this.origKeyAddr = origKeyAddr;
    this.origAddrBytes = origAddrBytes;
    this.respAddrBytes = respAddrBytes;
    this.startTime = ts;
    this.lastTime = ts;
    this.origL2 = origL2;
    this.respL2 = respL2;
  }

  checkHistory(mask: number, code: string): boolean {
    if ((this.histSeen & mask) === 0) {
      this.histSeen |= mask;
      this.history += code;
      return false;
    }
    return true;
  }

  addHistory(code: string): void {
    this.history += code;
  }

  flipRoles(): void {
    [this.origH, this.respH] = [this.respH, this.origH];
    [this.origP, this.respP] = [this.respP, this.origP];
    [this.origL2, this.respL2] = [this.respL2, this.origL2];
    [this.origAddrBytes, this.respAddrBytes] = [this.respAddrBytes, this.origAddrBytes];
    [this.origPkts, this.respPkts] = [this.respPkts, this.origPkts];
    [this.origIpBytes, this.respIpBytes] = [this.respIpBytes, this.origIpBytes];
    [this.origLen, this.respLen] = [this.respLen, this.origLen];
    [this.origKeyAddr, this.respKeyAddr] = [this.respKeyAddr, this.origKeyAddr];
    if (this.tcp) this.tcp.flip();
    this.analyzer?.flipRoles?.();
    this.addHistory('^');
  }

  /** the responder's key-form address (needed when roles flip) */
  respKeyAddr = '';

  confirmService(name: string): void {
    if (!this.services.includes(name)) this.services.push(name);
    if ((name === 'ssh' || name === 'ftp') && this.inactivityTimeout < this.tracker.opts.longLivedInactivityTimeout) {
      this.tracker.setInactivityTimeout(this, this.tracker.opts.longLivedInactivityTimeout);
    }
  }

  removeService(name: string): void {
    const i = this.services.indexOf(name);
    if (i >= 0) this.services.splice(i, 1);
  }

  isPartial(): boolean {
    return this.tcp ? this.tcp.isPartial : false;
  }

  now(): number {
    return this.tracker.now;
  }

  emit(log: string, rec: Record<string, unknown>): void {
    this.tracker.sink(log, rec);
  }

  addParent(uid: string | null): void {
    if (!uid) return;
    if (!this.tunnelParents) this.tunnelParents = new Set();
    this.tunnelParents.add(uid);
  }
}

/** TCP state of a connection (the TCP session adapter in Zeek). */
class TcpState implements StreamSink {
  orig = new TcpEndpoint(true);
  resp = new TcpEndpoint(false);
  isActive = true;
  isPartial = false;
  firstPacketSeen = 0; // bit 1: orig, bit 2: resp
  closeDeferred = false;
  deferredGenEvent = false;
  readonly reassembly: Reassembly;

  constructor(
    private readonly conn: Connection,
    private readonly tracker: ConnTracker,
  ) {
    this.orig.peer = this.resp;
    this.resp.peer = this.orig;
    this.reassembly = new Reassembly(
      {
        maxInitialWindow: tracker.opts.tcpMaxInitialWindow,
        maxAboveHoleWithoutAnyAcks: tracker.opts.tcpMaxAboveHoleWithoutAnyAcks,
        excessiveDataWithoutFurtherAcks: tracker.opts.tcpExcessiveDataWithoutFurtherAcks,
      },
      this,
      () => this.isPartial,
    );
  }

  flip(): void {
    [this.orig, this.resp] = [this.resp, this.orig];
    this.orig.isOrig = true;
    this.resp.isOrig = false;
    this.firstPacketSeen = (this.firstPacketSeen & 1 ? 2 : 0) | (this.firstPacketSeen & 2 ? 1 : 0);
    this.isPartial = false;
  }

  // StreamSink
  deliver(isOrig: boolean, _seq: number, data: Buffer): void {
    this.conn.analyzer?.deliverStream?.(isOrig, data);
  }

  gap(isOrig: boolean, _seq: number, len: number, clean: boolean): void {
    if (clean) {
      scaled(this.conn, isOrig ? this.orig : this.resp, Scaled.Gap, 'G');
      this.conn.missedBytes += len;
    }
    this.conn.analyzer?.contentGap?.(isOrig, len);
  }

  endpointEOF(e: TcpEndpoint): void {
    if (this.closeDeferred) {
      this.closeDeferred = false;
      this.tracker.tcpConnectionClosed(this.conn, e, e.peer, this.deferredGenEvent);
    }
  }

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
function scaled(conn: Connection, e: TcpEndpoint, which: Scaled, code: string): void {
  const cnt = ++e.histCnt[which]!;
  if (cnt === e.histThresh[which]) {
    conn.addHistory(e.isOrig ? code : code.toLowerCase());
    e.histThresh[which] = cnt * 10;
  }
}

function isHandshake(s: ES): boolean {
  return s === ES.Inactive || s === ES.SynSent || s === ES.SynAckSent;
}

export class ConnTracker {
  readonly conns = new Map<string, Connection>();
  private readonly timers = new TimerHeap<Connection>();
  private readonly uids: UidGenerator;
  now = 0;
  /** connections logged so far */
  removedCount = 0;

  constructor(
    readonly opts: ResolvedOptions,
    readonly sink: LogSink,
    private readonly analyzerFactory: AnalyzerFactory | null = null,
  ) {
    this.uids = new UidGenerator(opts.uidSeed);
  }

  nextUid(prefix = 'C'): string {
    return this.uids.next(prefix);
  }

  get liveConnections(): number {
    return this.conns.size;
  }

  get pendingTimers(): number {
    return this.timers.rawSize;
  }

  /** Fires every timer due at or before `ts` (called before each packet). */
  advance(ts: number): void {
    if (ts > this.now) this.now = ts;
    for (;;) {
      const t = this.timers.popDue(this.now);
      if (!t) break;
      this.fireTimer(t);
    }
  }

  /** End of input: remove every remaining connection. */
  flushAll(): void {
    for (const c of [...this.conns.values()]) this.remove(c);
  }

  // ---- connection lifecycle -------------------------------------------------------------

  private fireTimer(t: TimerEntry<Connection>): void {
    const c = t.target;
    if (c.removed) return;
    const now = this.now;
    switch (t.kind) {
      case TimerKind.Inactivity:
        c.inactivityTimer = null;
        if (c.lastTime + c.inactivityTimeout <= now) this.remove(c);
        else c.inactivityTimer = this.timers.add(c.lastTime + c.inactivityTimeout, c, TimerKind.Inactivity);
        break;
      case TimerKind.TcpAttempt: {
        const s = c.tcp!;
        if (!s.isActive) return;
        if ((s.orig.state === ES.SynSent || s.orig.state === ES.SynAckSent) && s.resp.state === ES.Inactive) {
          s.isActive = false;
          this.remove(c);
        }
        break;
      }
      case TimerKind.TcpExpire:
        this.tcpExpireTimer(c, now);
        break;
      case TimerKind.TcpDelete:
        this.remove(c);
        break;
      case TimerKind.DnsExpire:
        // Zeek's DNS_Analyzer::ExpireTimer (one second of slack, as in Zeek).
        if (now - c.lastTime >= this.opts.dnsSessionTimeout - 1) this.remove(c);
        else this.addAnalyzerTimer(c, now + this.opts.dnsSessionTimeout, TimerKind.DnsExpire);
        break;
      case TimerKind.TcpReset: {
        const s = c.tcp!;
        if (!s.isActive) return;
        this.remove(c);
        break;
      }
    }
  }

  private tcpExpireTimer(c: Connection, t: number): void {
    const s = c.tcp!;
    if (!s.isActive) return;
    const { orig, resp } = s;
    if (c.lastTime + this.opts.tcpConnectionLinger < t) {
      if (orig.didClose || resp.didClose) {
        if (
          (orig.didClose && resp.didClose) ||
          orig.state === ES.Reset ||
          resp.state === ES.Reset ||
          orig.state === ES.Inactive ||
          resp.state === ES.Inactive
        ) {
          s.isActive = false;
          this.remove(c);
          return;
        }
      }
      if (resp.state === ES.Inactive && orig.state === ES.Inactive) {
        this.remove(c);
        return;
      }
    }
    this.addAnalyzerTimer(c, t + this.opts.tcpSessionTimer, TimerKind.TcpExpire);
  }

  private addAnalyzerTimer(c: Connection, time: number, kind: TimerKind): void {
    c.analyzerTimers.push(this.timers.add(time, c, kind));
  }

  private cancelAnalyzerTimers(c: Connection): void {
    for (const t of c.analyzerTimers) this.timers.cancel(t);
    c.analyzerTimers = [];
  }

  setInactivityTimeout(c: Connection, timeout: number): void {
    if (timeout === c.inactivityTimeout) return;
    if (c.inactivityTimer) this.timers.cancel(c.inactivityTimer);
    c.inactivityTimer = timeout ? this.timers.add(c.lastTime + timeout, c, TimerKind.Inactivity) : null;
    c.inactivityTimeout = timeout;
  }

  remove(c: Connection): void {
    if (c.removed) return;
    c.removed = true;
    if (this.conns.get(c.key) === c) this.conns.delete(c.key);
    if (c.inactivityTimer) this.timers.cancel(c.inactivityTimer);
    this.cancelAnalyzerTimers(c);
    c.analyzer?.done?.();
    this.removedCount++;
    this.sink('conn', this.connRecord(c));
    if (c.tunnelType && (c.tunnelOrigSeen || c.tunnelRespSeen)) {
      this.sink('tunnel', {
        ts: this.now,
        uid: c.uid,
        'id.orig_h': c.origH,
        'id.orig_p': c.origP,
        'id.resp_h': c.respH,
        'id.resp_p': c.respP,
        tunnel_type: c.tunnelType,
        action: 'Tunnel::CLOSE',
      });
    }
    if (c.tcp) {
      // Free reassembly buffers early.
      c.tcp.orig.blocks = [];
      c.tcp.resp.blocks = [];
    }
  }

  private newConnection(
    key: string,
    p: IpPacket,
    ctx: PacketContext,
    proto: Connection['proto'],
    srcPort: number,
    dstPort: number,
    srcKey: string,
    dstKey: string,
  ): Connection {
    const buf = p.buf;
    const fmt = p.version === 4 ? formatIPv4 : formatIPv6;
    const l2 = ctx.l2Buf;
    const c = new Connection(
      key,
      this,
      this.nextUid(),
      proto,
      p.proto,
      fmt(buf, p.srcOff),
      srcPort,
      fmt(buf, p.dstOff),
      dstPort,
      srcKey,
      Uint8Array.from(buf.subarray(p.srcOff, p.srcOff + p.addrLen)),
      Uint8Array.from(buf.subarray(p.dstOff, p.dstOff + p.addrLen)),
      ctx.ts,
      l2 && ctx.l2SrcOff >= 0 ? formatMac(l2, ctx.l2SrcOff) : null,
      l2 && ctx.l2DstOff >= 0 ? formatMac(l2, ctx.l2DstOff) : null,
    );
    c.respKeyAddr = dstKey;
    this.conns.set(key, c);
    return c;
  }

  private attachAnalyzer(c: Connection): void {
    if (this.analyzerFactory) c.analyzer = this.analyzerFactory(c);
  }

  private flipConn(c: Connection): void {
    c.flipRoles();
  }

  private countPacket(c: Connection, isOrig: boolean, p: IpPacket): void {
    if (isOrig) {
      c.origPkts++;
      c.origIpBytes += p.ipLen;
    } else {
      c.respPkts++;
      c.respIpBytes += p.ipLen;
    }
  }

  // ---- TCP ---------------------------------------------------------------------------------

  processTcp(p: IpPacket, ctx: PacketContext): void {
    const buf = p.buf;
    const o = p.l4Off;
    if (p.l4Len < 20 || p.l4Cap < 20) return; // truncated header
    const sport = buf.readUInt16BE(o);
    const dport = buf.readUInt16BE(o + 2);
    const srcKey = buf.toString('latin1', p.srcOff, p.srcOff + p.addrLen);
    const dstKey = buf.toString('latin1', p.dstOff, p.dstOff + p.addrLen);
    const key = connKey(6, srcKey, sport, dstKey, dport, false);
    const flags = buf[o + 13]!;
    const seq = buf.readUInt32BE(o + 4);

    let c = this.conns.get(key);
    if (c && this.tcpIsReuse(c, flags, seq, ctx.ts)) {
      this.remove(c);
      c = undefined;
    }
    let created = false;
    if (!c) {
      c = this.newConnection(key, p, ctx, 'tcp', sport, dport, srcKey, dstKey);
      c.tcp = new TcpState(c, this);
      this.addAnalyzerTimer(c, ctx.ts + this.opts.tcpSynTimeout, TimerKind.TcpExpire);
      this.setInactivityTimeout(c, this.opts.udpInactivityTimeout);
      // Flip by likely_server_ports when the first packet is not a pure SYN.
      if (!(flags & TH_SYN) || flags & TH_ACK) {
        let flip = false;
        if (this.opts.likelyTcp.has(sport)) {
          flip = this.opts.likelyTcp.has(dport) ? !(flags & TH_SYN) && sport < dport : true;
        }
        if (flip && !isBroadcast(p)) this.flipConn(c);
      }
      this.attachAnalyzer(c);
      created = true;
    }
    c.addParent(ctx.parentUid);
    let isOrig = srcKey === c.origKeyAddr && sport === c.origP;
    if (srcKey === dstKey && sport === dport) isOrig = true;

    const s = c.tcp!;
    const hdrLen = (buf[o + 12]! >> 4) * 4;
    if (hdrLen < 20) return; // bad_TCP_header_len
    if (hdrLen > p.l4Len || hdrLen > p.l4Cap) return; // truncated_header
    const len = p.l4Len - hdrLen;
    const remaining = p.l4Cap - hdrLen;

    // A trace that began with a SYN-ACK: once the other side acks or sends data, the SYN-ACK
    // sender must have been the responder.
    if (!isOrig && c.history === 'H' && !(flags & TH_SYN) && (flags & TH_ACK || len > 0)) {
      this.flipConn(c);
      c.history = '^h';
      isOrig = true;
      if (s.resp.state === ES.SynAckSent) s.resp.setState(ES.Established);
    }
    const endpoint = isOrig ? s.orig : s.resp;
    const peer = endpoint.peer;

    if (!this.opts.ignoreChecksums && remaining >= len && !tcpChecksumOk(p)) {
      scaled(c, endpoint, Scaled.Checksum, 'C');
      return;
    }

    const ackSeq = buf.readUInt32BE(o + 8);
    const window = buf.readUInt16BE(o + 14);
    const SYN = (flags & TH_SYN) !== 0;
    const FIN = (flags & TH_FIN) !== 0;
    const RST = (flags & TH_RST) !== 0;
    const ACK = (flags & TH_ACK) !== 0;
    const t = ctx.ts;

    // SetPartialStatus
    if (isOrig) {
      if (!(s.firstPacketSeen & 1)) s.isPartial = !SYN || ACK;
    } else if (!(s.firstPacketSeen & 2) && !s.isPartial) {
      s.isPartial = !SYN;
    }

    let segLen = len + (SYN ? 1 : 0) + (FIN ? 1 : 0);
    if (RST) segLen -= len;
    const seqOnePast = (seq + segLen) >>> 0;

    this.initEndpoint(endpoint, SYN, seq, seqOnePast, t);

    // Relative sequence number of this segment.
    const relSeq = relativeSeq(endpoint, seq, endpoint.lastSeq, endpoint.seqWraps);
    const seqUnderflow = relSeqUnderflow;

    this.updateHistory(s, endpoint, SYN, FIN, RST, ACK, relSeq, len);
    // Zero window (W/w).
    if (window === 0 && !RST && peer.state !== ES.Closed && endpoint.state !== ES.Reset) {
      scaled(c, endpoint, Scaled.ZeroWindow, 'W');
    }

    if (!s.orig.didClose || !s.resp.didClose) c.lastTime = t;

    if (FIN) {
      endpoint.finCnt++;
      endpoint.finSeq = relSeq + segLen;
    }
    if (RST) endpoint.rstCnt++;

    let relAck = 0;
    if (ACK) {
      if (peer.state === ES.Inactive) {
        relAck = 1;
        // Start the peer's numbering as if we had seen its SYN.
        const base = (ackSeq - 1) >>> 0;
        peer.initStartSeq(base);
        peer.ackSeq = base;
        peer.lastSeq = base;
      } else {
        const rel = relativeSeq(peer, ackSeq, peer.ackSeq, peer.ackWraps);
        if (relSeqUnderflow) relAck = 0;
        else {
          relAck = rel;
          if (!RST) {
            const deltaAck = seqDelta(ackSeq, peer.ackSeq);
            if (!(ackSeq === 0 && deltaAck > 1048576) && deltaAck > 0) peer.updateAckSeq(ackSeq);
          }
        }
      }
    }

    const deltaLast = this.updateLastSeq(c, endpoint, seqOnePast, SYN, FIN, RST, len);
    endpoint.lastTime = t;

    this.updateStateMachine(c, s, t, endpoint, peer, seq, len, isOrig, SYN, FIN, RST, ACK);
    const doClose = this.doClose;
    const genEvent = this.genEvent;
    void deltaLast;

    if (ACK) s.reassembly.ackReceived(peer, relAck);

    // CheckPIA_FirstPacket
    s.firstPacketSeen |= isOrig ? 1 : 2;

    const relDataSeq = SYN ? relSeq + 1 : relSeq;
    if (len > 0 && !RST && !seqUnderflow && remaining >= len) {
      const wantData = c.analyzer?.deliverStream !== undefined;
      s.reassembly.dataSent(endpoint, relDataSeq, len, wantData ? buf.subarray(o + hdrLen, o + hdrLen + len) : null);
    }
    s.reassembly.checkEOF(endpoint);

    if (doClose) this.tcpConnectionClosed(c, endpoint, peer, genEvent);

    this.countPacket(c, isOrig, p);
    if (created && LONG_LIVED_TCP_PORTS.has(c.respP)) {
      // conn/inactivity.zeek runs at new_connection, i.e. after the first packet.
      this.setInactivityTimeout(c, this.opts.longLivedInactivityTimeout);
    }
  }

  /** Zeek's TCPSessionAdapter::IsReuse: does this SYN start a new connection on the tuple? */
  private tcpIsReuse(c: Connection, flags: number, seq: number, _ts: number): boolean {
    const s = c.tcp;
    if (!s) return false;
    if (!(flags & TH_SYN)) return false;
    let connOrig = s.orig;
    if (flags & TH_ACK) {
      if (s.orig.state !== ES.Inactive) return false;
      connOrig = s.resp;
    }
    if (s.isActive) {
      if (seq === (connOrig.startSeq >>> 0)) return false;
      if (
        !(flags & TH_ACK) &&
        connOrig.state === ES.SynAckSent &&
        s.resp.state === ES.Inactive &&
        seq === (s.resp.startSeq >>> 0)
      ) {
        return false;
      }
    }
    return true;
  }

  private initEndpoint(e: TcpEndpoint, SYN: boolean, firstSeq: number, lastSeq: number, t: number): void {
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
    void t;
  }

  private updateHistory(
    s: TcpState,
    e: TcpEndpoint,
    SYN: boolean,
    FIN: boolean,
    RST: boolean,
    ACK: boolean,
    relSeq: number,
    len: number,
  ): void {
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

  private updateLastSeq(c: Connection, e: TcpEndpoint, lastSeq: number, SYN: boolean, FIN: boolean, RST: boolean, len: number): number {
    const delta = seqDelta(lastSeq, e.lastSeq);
    if ((SYN || RST) && (delta > 1048576 || delta < -1048576)) {
      // don't trust wild SYN/RST sequence numbers
    } else if (FIN && e.lastSeq === ((e.startSeq + 1) >>> 0)) {
      e.updateLastSeq(lastSeq);
    } else if (e.state === ES.Reset) {
      // don't trust anything after a RST
    } else if (delta > 0) {
      e.updateLastSeq(lastSeq);
    } else if (delta <= 0 && len > 0) {
      scaled(c, e, Scaled.Retransmit, 'T');
    }
    return delta;
  }

  private setEndpointState(c: Connection, e: TcpEndpoint, ns: ES): void {
    if (ns !== e.state) {
      // Leaving the handshake switches the connection to the TCP inactivity timeout.
      if (!isHandshake(ns) && isHandshake(e.state) && isHandshake(e.peer.state)) {
        this.setInactivityTimeout(c, this.opts.tcpInactivityTimeout);
      }
      e.setState(ns);
    }
  }

  private updateStateMachine(
    c: Connection,
    s: TcpState,
    t: number,
    e: TcpEndpoint,
    peer: TcpEndpoint,
    baseSeq: number,
    len: number,
    isOrig: boolean,
    SYN: boolean,
    FIN: boolean,
    RST: boolean,
    ACK: boolean,
  ): void {
    let doClose = false;
    let genEvent = false;
    switch (e.state) {
      case ES.Inactive: {
        if (SYN) {
          if (isOrig) {
            this.setEndpointState(c, e, ACK ? ES.SynAckSent : ES.SynSent);
            if (this.opts.tcpAttemptDelay) this.addAnalyzerTimer(c, t + this.opts.tcpAttemptDelay, TimerKind.TcpAttempt);
          } else {
            if (!ACK && peer.state === ES.SynAckSent && baseSeq === e.startSeq >>> 0) {
              // SYN/SYN-ACK reversal: flip and establish.
              s.isPartial = false;
              this.flipConn(c);
              this.setEndpointState(c, peer, ES.Established);
              s.firstPacketSeen |= 1;
            }
            if (peer.state === ES.SynSent) this.setEndpointState(c, peer, ES.Established);
            this.setEndpointState(c, e, ES.Established);
          }
        }
        if (FIN) {
          this.setEndpointState(c, e, ES.Closed);
          doClose = genEvent = true;
        }
        if (RST) {
          this.setEndpointState(c, e, ES.Reset);
          let isReject = false;
          if (isOrig) {
            if (peer.state === ES.Established) isReject = true;
          } else if (peer.state === ES.SynSent || peer.state === ES.SynAckSent) {
            isReject = true;
          }
          doClose = true;
          genEvent = !isReject;
        }
        if (e.state === ES.Inactive) {
          if (!isOrig && len === 0 && s.orig.state === ES.SynSent) {
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
          doClose = genEvent = true;
        }
        if (RST) {
          this.setEndpointState(c, e, ES.Reset);
          s.isActive = false; // ConnectionReset
          doClose = true;
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
          doClose = genEvent = true;
        }
        if (RST) {
          this.setEndpointState(c, e, ES.Reset);
          doClose = true;
          if (peer.state !== ES.Reset || peer.prevState !== ES.Established) s.isActive = false;
        }
        break;
      case ES.Closed:
        if (RST && peer.state !== ES.Closed) {
          this.setEndpointState(c, e, ES.Reset);
          if (!e.didClose) doClose = true;
          // Zeek schedules ResetTimer only when a connection_reset handler exists; base
          // scripts have none, so nothing is scheduled here.
        }
        break;
      case ES.Reset:
        break;
    }
    this.doClose = doClose;
    this.genEvent = genEvent;
  }

  /** outputs of updateStateMachine (fields, to avoid a result object per packet) */
  private doClose = false;
  private genEvent = false;

  /** Zeek's TCPSessionAdapter::ConnectionClosed. */
  tcpConnectionClosed(c: Connection, e: TcpEndpoint, peer: TcpEndpoint, genEvent: boolean): void {
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
      this.cancelAnalyzerTimers(c);
      this.addAnalyzerTimer(c, c.lastTime + this.opts.tcpCloseDelay, TimerKind.TcpDelete);
    } else if (e.prevState !== ES.Inactive) {
      this.addAnalyzerTimer(c, c.lastTime + this.opts.tcpSessionTimer, TimerKind.TcpExpire);
    }
  }

  // ---- UDP ---------------------------------------------------------------------------------

  /**
   * Processes a UDP datagram. Returns the connection and direction when the datagram was
   * accepted, so the caller can look for tunnels in the payload.
   */
  processUdp(p: IpPacket, ctx: PacketContext): { conn: Connection; isOrig: boolean } | null {
    const buf = p.buf;
    const o = p.l4Off;
    if (p.l4Len < 8 || p.l4Cap < 8) return null;
    const sport = buf.readUInt16BE(o);
    const dport = buf.readUInt16BE(o + 2);
    const srcKey = buf.toString('latin1', p.srcOff, p.srcOff + p.addrLen);
    const dstKey = buf.toString('latin1', p.dstOff, p.dstOff + p.addrLen);
    const key = connKey(17, srcKey, sport, dstKey, dport, false);
    let c = this.conns.get(key);
    if (!c) {
      c = this.newConnection(key, p, ctx, 'udp', sport, dport, srcKey, dstKey);
      this.setInactivityTimeout(c, this.opts.udpInactivityTimeout);
      if (this.opts.likelyUdp.has(sport) && !this.opts.likelyUdp.has(dport) && !isBroadcast(p)) this.flipConn(c);
      if (this.opts.dnsSessionTimeout > 0 && this.opts.dnsUdpPorts.has(c.respP)) {
        this.addAnalyzerTimer(c, ctx.ts + this.opts.dnsSessionTimeout, TimerKind.DnsExpire);
      }
      this.attachAnalyzer(c);
    }
    c.addParent(ctx.parentUid);
    let isOrig = srcKey === c.origKeyAddr && sport === c.origP;
    if (srcKey === dstKey && sport === dport) isOrig = true;
    const len = p.l4Len;
    if (!this.opts.ignoreChecksums && p.l4Cap >= len) {
      const sum = buf.readUInt16BE(o + 6);
      let validate = true;
      if (p.version === 4 && sum === 0) validate = false;
      // VXLAN senders may leave the checksum zero (handled above) or set it; Zeek does not
      // validate VXLAN checksums by default.
      if (validate && dport === 4789 && len > 8 + 8 + 14 && (buf[o + 8]! & 0x08) === 0x08) validate = false;
      if (validate && !transportChecksumOk(p, 17)) {
        c.checkHistory(isOrig ? HIST_ORIG_CORRUPT : HIST_RESP_CORRUPT, isOrig ? 'C' : 'c');
        return null;
      }
    }
    const ulen = buf.readUInt16BE(o + 4) - 8;
    c.lastTime = ctx.ts;
    if (isOrig) {
      c.checkHistory(HIST_ORIG_DATA, 'D');
      c.origLen = c.origLen < 0 ? ulen : c.origLen + ulen;
    } else {
      c.checkHistory(HIST_RESP_DATA, 'd');
      c.respLen = c.respLen < 0 ? ulen : c.respLen + ulen;
    }
    this.countPacket(c, isOrig, p);
    if (c.analyzer?.deliverPacket) {
      const n = Math.min(len, p.l4Cap) - 8;
      c.analyzer.deliverPacket(isOrig, buf.subarray(o + 8, o + 8 + Math.max(0, n)), ctx.ts);
    }
    return { conn: c, isOrig };
  }

  // ---- ICMP --------------------------------------------------------------------------------

  processIcmp(p: IpPacket, ctx: PacketContext): void {
    const buf = p.buf;
    const o = p.l4Off;
    if (p.l4Len < 8 || p.l4Cap < 8) return;
    const v6 = p.proto === Proto.Icmp6;
    const type = buf[o]!;
    const code = buf[o + 1]!;
    const table = v6 ? ICMP6_COUNTERPART : ICMP4_COUNTERPART;
    const counterpart = table[type];
    const oneWay = counterpart === undefined;
    const sport = type;
    const dport = oneWay ? code : counterpart;
    const srcKey = buf.toString('latin1', p.srcOff, p.srcOff + p.addrLen);
    const dstKey = buf.toString('latin1', p.dstOff, p.dstOff + p.addrLen);
    const key = connKey(p.proto, srcKey, sport, dstKey, dport, oneWay);
    let c = this.conns.get(key);
    if (!c) {
      c = this.newConnection(key, p, ctx, 'icmp', sport, dport, srcKey, dstKey);
      this.setInactivityTimeout(c, this.opts.icmpInactivityTimeout);
      this.attachAnalyzer(c);
    }
    c.addParent(ctx.parentUid);
    // One-way ICMP connections are keyed by direction, so their packets all come from the originator.
    const isOrig = oneWay || (srcKey === c.origKeyAddr && sport === c.origP);
    const len = p.l4Len;
    if (!this.opts.ignoreChecksums && p.l4Cap >= len) {
      const ok = v6 ? transportChecksumOk(p, 58) : foldSum(onesSum(buf, o, len)) === 0xffff;
      if (!ok) return;
    }
    c.lastTime = ctx.ts;
    const bytes = len - 8;
    if (isOrig) c.origLen = c.origLen < 0 ? bytes : c.origLen + bytes;
    else c.respLen = c.respLen < 0 ? bytes : c.respLen + bytes;
    this.countPacket(c, isOrig, p);
    if (c.analyzer?.deliverPacket) c.analyzer.deliverPacket(isOrig, buf.subarray(o, o + Math.min(len, p.l4Cap)), ctx.ts);
  }

  // ---- other IP protocols ------------------------------------------------------------------

  processUnknown(p: IpPacket, ctx: PacketContext): void {
    const buf = p.buf;
    const srcKey = buf.toString('latin1', p.srcOff, p.srcOff + p.addrLen);
    const dstKey = buf.toString('latin1', p.dstOff, p.dstOff + p.addrLen);
    const key = connKey(p.proto, srcKey, 0, dstKey, 0, false);
    let c = this.conns.get(key);
    if (!c) {
      c = this.newConnection(key, p, ctx, 'unknown_transport', 0, 0, srcKey, dstKey);
      this.setInactivityTimeout(c, this.opts.unknownIpInactivityTimeout);
    }
    c.addParent(ctx.parentUid);
    const isOrig = srcKey === c.origKeyAddr;
    c.lastTime = ctx.ts;
    if (isOrig) c.origLen = Math.max(c.origLen, 0);
    else c.respLen = Math.max(c.respLen, 0);
    this.countPacket(c, isOrig, p);
  }

  // ---- log record --------------------------------------------------------------------------

  private connRecord(c: Connection): Record<string, unknown> {
    const rec: Record<string, unknown> = {
      ts: c.startTime,
      uid: c.uid,
      'id.orig_h': c.origH,
      'id.orig_p': c.origP,
      'id.resp_h': c.respH,
      'id.resp_p': c.respP,
      proto: c.proto,
    };
    if (c.services.length > 0) rec.service = c.services.join(',');
    const duration = c.lastTime - c.startTime;
    let origSize: number;
    let respSize: number;
    let state: string;
    if (c.tcp) {
      origSize = c.tcp.orig.size();
      respSize = c.tcp.resp.size();
      state = tcpConnState(c.tcp.orig, c.tcp.resp, c.history, origSize, respSize);
    } else {
      origSize = Math.max(c.origLen, 0);
      respSize = Math.max(c.respLen, 0);
      if (c.proto === 'udp') {
        state = c.origLen >= 0 ? (c.respLen >= 0 ? 'SF' : 'S0') : c.respLen >= 0 ? 'SHR' : 'OTH';
      } else {
        state = 'OTH';
      }
    }
    if (duration > 0) {
      rec.duration = duration;
      rec.orig_bytes = origSize;
      rec.resp_bytes = respSize;
    }
    rec.conn_state = state;
    const nets = this.opts.localNets;
    if (nets) {
      rec.local_orig = nets.contains(c.origAddrBytes);
      rec.local_resp = nets.contains(c.respAddrBytes);
    }
    rec.missed_bytes = c.missedBytes;
    if (c.history) rec.history = c.history;
    rec.orig_pkts = c.origPkts;
    rec.orig_ip_bytes = c.origIpBytes;
    rec.resp_pkts = c.respPkts;
    rec.resp_ip_bytes = c.respIpBytes;
    if (c.tunnelParents && c.tunnelParents.size > 0) rec.tunnel_parents = [...c.tunnelParents];
    rec.ip_proto = c.ipProto;
    if (this.opts.macLogging) {
      if (c.origL2) rec.orig_l2_addr = c.origL2;
      if (c.respL2) rec.resp_l2_addr = c.respL2;
    }
    return rec;
  }
}

/** conn_state from base/protocols/conn/main.zeek for TCP. */
export function tcpConnState(orig: TcpEndpoint, resp: TcpEndpoint, history: string, origSize: number, respSize: number): string {
  const os = orig.state;
  const rs = resp.state;
  const oInactive = os === ES.Inactive || os === ES.Partial;
  const rInactive = rs === ES.Inactive || rs === ES.Partial;
  if (rs === ES.Reset) {
    if (os === ES.SynSent || os === ES.SynAckSent || (os === ES.Reset && origSize === 0 && respSize === 0)) return 'REJ';
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (os === ES.Reset) {
    if (rInactive) return /^\^?S[^HAFGIQ]*R/.test(history) ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (rs === ES.Closed && os === ES.Closed) return 'SF';
  if (os === ES.Closed) return rInactive ? 'SH' : 'S2';
  if (rs === ES.Closed) return oInactive ? 'SHR' : 'S3';
  if (os === ES.SynSent && rs === ES.Inactive) return 'S0';
  if (os === ES.Established && rs === ES.Established) return 'S1';
  return 'OTH';
}

/** Set by relativeSeq (avoids allocating a result object per packet). */
let relSeqUnderflow = false;

/** Zeek's get_relative_seq. */
function relativeSeq(e: TcpEndpoint, cur: number, last: number, wraps: number): number {
  const delta = seqDelta(cur, last);
  if (delta < 0) {
    if (wraps && cur > last) wraps--;
  } else if (delta > 0) {
    if (cur < last) wraps++;
  }
  if (wraps === 0) {
    const d = seqDelta(cur, e.startSeq >>> 0);
    relSeqUnderflow = d < 0;
    return d;
  }
  relSeqUnderflow = false;
  return e.toRelative(cur, wraps);
}

/** Canonical key: both directions of a (bidirectional) flow map to the same string. */
function connKey(proto: number, a: string, pa: number, b: string, pb: number, oneWay: boolean): string {
  if (oneWay || a < b || (a === b && pa <= pb)) return `${proto}|${a}|${pa}|${b}|${pb}`;
  return `${proto}|${b}|${pb}|${a}|${pa}`;
}

function isBroadcast(p: IpPacket): boolean {
  if (p.addrLen !== 4) return false;
  const b = p.buf;
  const o = p.dstOff;
  return b[o] === 255 && b[o + 1] === 255 && b[o + 2] === 255 && b[o + 3] === 255;
}

function pseudoHeaderSum(p: IpPacket, proto: number, len: number): number {
  let sum = onesSum(p.buf, p.srcOff, p.addrLen);
  sum = onesSum(p.buf, p.dstOff, p.addrLen, sum);
  sum += proto;
  sum += len & 0xffff;
  if (len > 0xffff) sum += Math.floor(len / 65536);
  return sum;
}

function transportChecksumOk(p: IpPacket, proto: number): boolean {
  const sum = onesSum(p.buf, p.l4Off, p.l4Len, pseudoHeaderSum(p, proto, p.l4Len));
  return foldSum(sum) === 0xffff;
}

function tcpChecksumOk(p: IpPacket): boolean {
  return transportChecksumOk(p, 6);
}
