/**
 * Connection tracking with Zeek's conn.log semantics, composed from Zeek's own seams: the
 * connection table and its timers (conn-table.ts), TCP (tcp-conn.ts, tcp-session.ts, tcp.ts),
 * UDP (udp.ts), ICMP (icmp.ts), the conn record (conn-record.ts) and checksums (checksum.ts).
 */
import type { AnalyzerFactory } from './analyzer.js';
import { connKey, ConnTable, dstKeyOf, srcKeyOf } from './conn-table.js';
import { TimerKind, type Connection, type LogSink, type PacketContext } from './connection.js';
import { IcmpConnections } from './icmp.js';
import type { IpPacket } from './ip.js';
import type { ResolvedOptions } from './options.js';
import { TcpConnections } from './tcp-conn.js';
import { UdpConnections, type UdpDelivery } from './udp.js';

export type { Connection, LogSink, PacketContext } from './connection.js';
export { tcpConnState } from './conn-record.js';

export class ConnTracker {
  private readonly table: ConnTable;
  private readonly tcp: TcpConnections;
  private readonly udp: UdpConnections;
  private readonly icmp: IcmpConnections;
  /** routes a protocol timer to the protocol's tracker (bound once, not per packet) */
  private readonly protocolTimer = (c: Connection, kind: TimerKind): void => {
    if (kind === TimerKind.DnsExpire) this.udp.timer(c, kind);
    else this.tcp.timer(c, kind);
  };

  constructor(opts: ResolvedOptions, sink: LogSink, analyzerFactory: AnalyzerFactory | null = null) {
    this.table = new ConnTable(opts, sink, analyzerFactory);
    this.tcp = new TcpConnections(this.table);
    this.udp = new UdpConnections(this.table);
    this.icmp = new IcmpConnections(this.table);
  }

  get opts(): ResolvedOptions {
    return this.table.opts;
  }

  /** current packet time */
  get now(): number {
    return this.table.now;
  }

  /** connections logged so far */
  get removedCount(): number {
    return this.table.removedCount;
  }

  get liveConnections(): number {
    return this.table.conns.size;
  }

  get pendingTimers(): number {
    return this.table.pendingTimers;
  }

  nextUid(prefix = 'C'): string {
    return this.table.nextUid(prefix);
  }

  /** Fires every timer due at or before `ts` (called before each packet). */
  advance(ts: number): void {
    this.table.advance(ts, this.protocolTimer);
  }

  /** End of input: remove every remaining connection. */
  flushAll(): void {
    this.table.flushAll();
  }

  processTcp(p: IpPacket, ctx: PacketContext): void {
    this.tcp.process(p, ctx);
  }

  processUdp(p: IpPacket, ctx: PacketContext): UdpDelivery | null {
    return this.udp.process(p, ctx);
  }

  processIcmp(p: IpPacket, ctx: PacketContext): void {
    this.icmp.process(p, ctx);
  }

  /** Other IP protocols: one connection per address pair and protocol. */
  processUnknown(p: IpPacket, ctx: PacketContext): void {
    const table = this.table;
    const srcKey = srcKeyOf(p);
    const dstKey = dstKeyOf(p);
    const key = connKey(p.proto, srcKey, 0, dstKey, 0, false);
    let c = table.conns.get(key);
    if (!c) {
      c = table.create(key, p, ctx, 'unknown_transport', 0, 0, srcKey, dstKey);
      table.setInactivityTimeout(c, table.opts.unknownIpInactivityTimeout);
    }
    c.addParent(ctx.parentUid);
    const isOrig = srcKey === c.origKeyAddr;
    c.lastTime = ctx.ts;
    if (isOrig) c.origLen = Math.max(c.origLen, 0);
    else c.respLen = Math.max(c.respLen, 0);
    c.countPacket(isOrig, p.ipLen);
  }
}
