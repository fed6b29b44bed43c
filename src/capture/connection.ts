/**
 * One tracked connection (Zeek's Connection): its endpoints, counters, history and services,
 * and the types every part of connection tracking shares.
 */
import type { ConnectionAnalyzer, ConnectionHandle } from './analyzer.js';
import type { ResolvedOptions } from './options.js';
import type { TcpSession } from './tcp-session.js';
import type { TimerEntry } from './timers.js';

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

/** What a timer does when it fires: the connection's inactivity check, or one of its analyzers'. */
export const enum TimerKind {
  Inactivity,
  TcpExpire,
  TcpAttempt,
  TcpDelete,
  TcpReset,
  DnsExpire,
}

/** What a connection needs of the table that holds it. */
export interface ConnectionHost {
  readonly opts: ResolvedOptions;
  /** current packet time */
  readonly now: number;
  readonly sink: LogSink;
  setInactivityTimeout(c: Connection, timeout: number): void;
}

/** The endpoints' addresses and ports as first seen, and the key-form addresses. */
export interface ConnectionTuple {
  key: string;
  uid: string;
  proto: Connection['proto'];
  ipProto: number;
  origH: string;
  origP: number;
  respH: string;
  respP: number;
  /** addresses as latin1 strings of their bytes (the form used in keys) */
  origKeyAddr: string;
  respKeyAddr: string;
  origAddrBytes: Uint8Array;
  respAddrBytes: Uint8Array;
  ts: number;
  origL2: string | null;
  respL2: string | null;
}

export class Connection implements ConnectionHandle {
  readonly key: string;
  uid: string;
  proto: 'tcp' | 'udp' | 'icmp' | 'unknown_transport';
  ipProto: number;
  origH: string;
  origP: number;
  respH: string;
  respP: number;
  /** key-form (latin1) address of the originator, to tell direction of later packets */
  origKeyAddr: string;
  /** the responder's key-form address (needed when roles flip) */
  respKeyAddr: string;
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
  tcp: TcpSession | null = null;
  analyzer: ConnectionAnalyzer | null = null;
  /** tunnel type when this (UDP) connection carries a tunnel */
  tunnelType: string | null = null;
  tunnelOrigSeen = false;
  tunnelRespSeen = false;

  constructor(private readonly host: ConnectionHost, t: ConnectionTuple) {
    this.key = t.key;
    this.uid = t.uid;
    this.proto = t.proto;
    this.ipProto = t.ipProto;
    this.origH = t.origH;
    this.origP = t.origP;
    this.respH = t.respH;
    this.respP = t.respP;
    this.origKeyAddr = t.origKeyAddr;
    this.respKeyAddr = t.respKeyAddr;
    this.origAddrBytes = t.origAddrBytes;
    this.respAddrBytes = t.respAddrBytes;
    this.startTime = t.ts;
    this.lastTime = t.ts;
    this.origL2 = t.origL2;
    this.respL2 = t.respL2;
  }

  /** Adds `code` the first time a history bit is seen; true when it had been seen before. */
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

  confirmService(name: string): void {
    if (!this.services.includes(name)) this.services.push(name);
    const longLived = this.host.opts.longLivedInactivityTimeout;
    if ((name === 'ssh' || name === 'ftp') && this.inactivityTimeout < longLived) {
      this.host.setInactivityTimeout(this, longLived);
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
    return this.host.now;
  }

  emit(log: string, rec: Record<string, unknown>): void {
    this.host.sink(log, rec);
  }

  addParent(uid: string | null): void {
    if (!uid) return;
    if (!this.tunnelParents) this.tunnelParents = new Set();
    this.tunnelParents.add(uid);
  }

  countPacket(isOrig: boolean, ipLen: number): void {
    if (isOrig) {
      this.origPkts++;
      this.origIpBytes += ipLen;
    } else {
      this.respPkts++;
      this.respIpBytes += ipLen;
    }
  }
}
