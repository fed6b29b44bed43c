/**
 * The connection table (Zeek's session manager): connections by key, their uids, the timers on
 * packet time that expire them, and their removal, which writes the conn record.
 */
import type { AnalyzerFactory } from './analyzer.js';
import { connRecord } from './conn-record.js';
import { Connection, TimerKind, type ConnectionHost, type LogSink, type PacketContext } from './connection.js';
import { formatIPv4, formatIPv6, formatMac } from './decode.js';
import type { IpPacket } from './ip.js';
import { UidGenerator, type ResolvedOptions } from './options.js';
import { TimerHeap, type TimerEntry } from './timers.js';

/** Fires a timer that belongs to a protocol's analyzer (everything but inactivity). */
export type ProtocolTimerHandler = (c: Connection, kind: TimerKind) => void;

export class ConnTable implements ConnectionHost {
  readonly conns = new Map<string, Connection>();
  private readonly timers = new TimerHeap<Connection>();
  private readonly uids: UidGenerator;
  now = 0;
  /** connections logged so far */
  removedCount = 0;

  constructor(
    readonly opts: ResolvedOptions,
    readonly sink: LogSink,
    private readonly analyzerFactory: AnalyzerFactory | null,
  ) {
    this.uids = new UidGenerator(opts.uidSeed);
  }

  nextUid(prefix = 'C'): string {
    return this.uids.next(prefix);
  }

  get pendingTimers(): number {
    return this.timers.rawSize;
  }

  /** Fires every timer due at or before `ts` (called before each packet). */
  advance(ts: number, protocolTimer: ProtocolTimerHandler): void {
    if (ts > this.now) this.now = ts;
    for (;;) {
      const t = this.timers.popDue(this.now);
      if (!t) break;
      const c = t.target;
      if (c.removed) continue;
      if (t.kind === TimerKind.Inactivity) this.inactivityTimer(c);
      else protocolTimer(c, t.kind);
    }
  }

  /** End of input: remove every remaining connection. */
  flushAll(): void {
    for (const c of [...this.conns.values()]) this.remove(c);
  }

  private inactivityTimer(c: Connection): void {
    c.inactivityTimer = null;
    if (c.lastTime + c.inactivityTimeout <= this.now) this.remove(c);
    else c.inactivityTimer = this.timers.add(c.lastTime + c.inactivityTimeout, c, TimerKind.Inactivity);
  }

  addAnalyzerTimer(c: Connection, time: number, kind: TimerKind): void {
    c.analyzerTimers.push(this.timers.add(time, c, kind));
  }

  cancelAnalyzerTimers(c: Connection): void {
    for (const t of c.analyzerTimers) this.timers.cancel(t);
    c.analyzerTimers = [];
  }

  setInactivityTimeout(c: Connection, timeout: number): void {
    if (timeout === c.inactivityTimeout) return;
    if (c.inactivityTimer) this.timers.cancel(c.inactivityTimer);
    c.inactivityTimer = timeout ? this.timers.add(c.lastTime + timeout, c, TimerKind.Inactivity) : null;
    c.inactivityTimeout = timeout;
  }

  /** Logs the connection (conn record, and the tunnel's close) and forgets it. */
  remove(c: Connection): void {
    if (c.removed) return;
    c.removed = true;
    if (this.conns.get(c.key) === c) this.conns.delete(c.key);
    if (c.inactivityTimer) this.timers.cancel(c.inactivityTimer);
    this.cancelAnalyzerTimers(c);
    c.analyzer?.done?.();
    this.removedCount++;
    this.sink('conn', connRecord(c, this.opts));
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
    c.tcp?.release();
  }

  /** A new connection for the packet's addresses and the given ports, entered under `key`. */
  create(key: string, p: IpPacket, ctx: PacketContext, proto: Connection['proto'], srcPort: number, dstPort: number, srcKey: string, dstKey: string): Connection {
    const buf = p.buf;
    const fmt = p.version === 4 ? formatIPv4 : formatIPv6;
    const l2 = ctx.l2Buf;
    const c = new Connection(this, {
      key,
      uid: this.nextUid(),
      proto,
      ipProto: p.proto,
      origH: fmt(buf, p.srcOff),
      origP: srcPort,
      respH: fmt(buf, p.dstOff),
      respP: dstPort,
      origKeyAddr: srcKey,
      respKeyAddr: dstKey,
      origAddrBytes: Uint8Array.from(buf.subarray(p.srcOff, p.srcOff + p.addrLen)),
      respAddrBytes: Uint8Array.from(buf.subarray(p.dstOff, p.dstOff + p.addrLen)),
      ts: ctx.ts,
      origL2: l2 && ctx.l2SrcOff >= 0 ? formatMac(l2, ctx.l2SrcOff) : null,
      respL2: l2 && ctx.l2DstOff >= 0 ? formatMac(l2, ctx.l2DstOff) : null,
    });
    this.conns.set(key, c);
    return c;
  }

  attachAnalyzer(c: Connection): void {
    if (this.analyzerFactory) c.analyzer = this.analyzerFactory(c);
  }
}

/** The packet's source and destination addresses in key form (latin1 strings of their bytes). */
export function srcKeyOf(p: IpPacket): string {
  return p.buf.toString('latin1', p.srcOff, p.srcOff + p.addrLen);
}

export function dstKeyOf(p: IpPacket): string {
  return p.buf.toString('latin1', p.dstOff, p.dstOff + p.addrLen);
}

/** Canonical key: both directions of a (bidirectional) flow map to the same string. */
export function connKey(proto: number, a: string, pa: number, b: string, pb: number, oneWay: boolean): string {
  if (oneWay || a < b || (a === b && pa <= pb)) return `${proto}|${a}|${pa}|${b}|${pb}`;
  return `${proto}|${b}|${pb}|${a}|${pa}`;
}

/** Sent to 255.255.255.255 (Zeek does not flip such connections by port). */
export function isBroadcast(p: IpPacket): boolean {
  if (p.addrLen !== 4) return false;
  const b = p.buf;
  const o = p.dstOff;
  return b[o] === 255 && b[o + 1] === 255 && b[o + 2] === 255 && b[o + 3] === 255;
}

export type { TimerEntry };
