/**
 * PacketEngine: decodes packets, reassembles IP fragments, decapsulates tunnels and feeds the
 * connection tracker. Everything per packet is synchronous; time only advances with packets.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { AnalyzerFactory } from './analyzer.js';
import { ConnTracker, type Connection, type LogSink, type PacketContext } from './conn.js';
import {
  decodeEthernet,
  decodeLink,
  ETH_ARP,
  ETH_IPV4,
  ETH_IPV6,
  formatIPv4,
  formatIPv6,
  formatMac,
  newLayer2Info,
  type Layer2Info,
} from './decode.js';
import { FragmentReassembler, IpParse, isFragment, newIpPacket, parseIp, type IpPacket } from './ip.js';
import { resolveOptions, type PacketEngineOptions, type ResolvedOptions } from './options.js';
import { CaptureReader } from './pcap-reader.js';
import { BoundedMap } from '../util/bounded-map.js';

export type { PacketEngineOptions } from './options.js';

/** Counters for diagnostics. */
export interface EngineStats {
  packets: number;
  bytes: number;
  /** frames whose link layer or network layer could not be decoded */
  undecodable: number;
  /** IP datagrams dropped (truncated, bad header checksum) */
  badIp: number;
  fragments: number;
}

/** The IP tunnel (GRE, IP-in-IP) pseudo-connections that become tunnel parents. */
interface IpTunnel {
  uid: string;
}

const MAX_NESTING = 8;

export class PacketEngine {
  readonly opts: ResolvedOptions;
  readonly tracker: ConnTracker;
  readonly stats: EngineStats = { packets: 0, bytes: 0, undecodable: 0, badIp: 0, fragments: 0 };
  private readonly l2: Layer2Info[] = [];
  private readonly ip: IpPacket[] = [];
  private readonly ctx: PacketContext[] = [];
  private readonly frags: FragmentReassembler;
  private readonly ipTunnels = new BoundedMap<string, IpTunnel>(100_000);
  private readonly discoveredTunnels = new Set<string>();

  constructor(
    opts: PacketEngineOptions,
    private readonly sink: LogSink,
    analyzerFactory: AnalyzerFactory | null = null,
  ) {
    this.opts = resolveOptions(opts);
    this.tracker = new ConnTracker(this.opts, sink, analyzerFactory);
    this.frags = new FragmentReassembler(this.opts.fragmentTimeout);
    for (let i = 0; i < MAX_NESTING; i++) {
      this.l2.push(newLayer2Info());
      this.ip.push(newIpPacket());
      this.ctx.push({ ts: 0, l2Buf: null, l2SrcOff: -1, l2DstOff: -1, parentUid: null, depth: 0 });
    }
  }

  /** Number of connections currently tracked. */
  get liveConnections(): number {
    return this.tracker.liveConnections;
  }

  /**
   * Processes one captured frame. `data` may be reused by the caller after the call returns.
   * `origLen` is the frame's length on the wire (defaults to the captured length).
   */
  feedPacket(linkType: number, ts: number, data: Buffer, origLen = data.length): void {
    this.stats.packets++;
    this.stats.bytes += data.length;
    // Timers run before the packet, as in Zeek's main loop.
    this.tracker.advance(ts);
    const l2 = this.l2[0]!;
    if (!decodeLink(linkType, data, l2)) {
      this.stats.undecodable++;
      return;
    }
    const ctx = this.ctx[0]!;
    ctx.ts = ts;
    ctx.l2Buf = data;
    ctx.l2SrcOff = l2.srcMacOff;
    ctx.l2DstOff = l2.dstMacOff;
    ctx.parentUid = null;
    ctx.depth = 0;
    const wireEnd = Math.max(data.length, origLen);
    this.dispatchL3(data, l2, data.length, wireEnd, 0);
  }

  /** End of input: every open connection is logged in its current state. */
  flush(): void {
    this.tracker.flushAll();
  }

  private dispatchL3(buf: Buffer, l2: Layer2Info, capEnd: number, wireEnd: number, level: number): void {
    if (l2.etherType === ETH_ARP) {
      if (this.opts.arpLog) this.processArp(buf, l2, capEnd, this.ctx[level]!.ts);
      return;
    }
    if (l2.etherType === ETH_IPV4 || l2.etherType === ETH_IPV6) {
      this.processIp(buf, l2.l3Off, capEnd, wireEnd, level);
      return;
    }
    this.stats.undecodable++;
  }

  private processIp(buf: Buffer, off: number, capEnd: number, wireEnd: number, level: number): void {
    let p = this.ip[level]!;
    const ctx = this.ctx[level]!;
    const r = parseIp(buf, off, capEnd, wireEnd, !this.opts.ignoreChecksums, p);
    if (r !== IpParse.Ok) {
      this.stats.badIp++;
      return;
    }
    if (isFragment(p)) {
      this.stats.fragments++;
      const whole = this.frags.add(p, ctx.ts);
      if (!whole) return;
      if (parseIp(whole, 0, whole.length, whole.length, false, p) !== IpParse.Ok) return;
      p = this.ip[level]!;
    }
    const tracker = this.tracker;
    switch (p.proto) {
      case 6:
        tracker.processTcp(p, ctx);
        return;
      case 17: {
        const res = tracker.processUdp(p, ctx);
        if (res) this.udpTunnels(p, res.conn, res.isOrig, level);
        return;
      }
      case 1:
      case 58:
        tracker.processIcmp(p, ctx);
        return;
      case 4:
      case 41:
        this.ipTunnel(p, level, 'Tunnel::IP', p.l4Off);
        return;
      case 47:
        this.gre(p, level);
        return;
      case 59: // IPv6 no-next-header: nothing to track
        return;
      default:
        tracker.processUnknown(p, ctx);
    }
  }

  // ---- tunnels -------------------------------------------------------------------------------

  /** Prepares the context of the next nesting level; returns null when too deep. */
  private innerContext(level: number, parentUid: string, l2Buf: Buffer | null, l2: Layer2Info | null): PacketContext | null {
    const outer = this.ctx[level]!;
    if (level + 1 >= MAX_NESTING || outer.depth >= this.opts.tunnelMaxDepth) return null;
    const inner = this.ctx[level + 1]!;
    inner.ts = outer.ts;
    inner.parentUid = parentUid;
    inner.depth = outer.depth + 1;
    inner.l2Buf = l2Buf;
    inner.l2SrcOff = l2 ? l2.srcMacOff : -1;
    inner.l2DstOff = l2 ? l2.dstMacOff : -1;
    return inner;
  }

  private ipTunnelFor(p: IpPacket, type: string, ts: number): IpTunnel {
    const buf = p.buf;
    const a = buf.toString('latin1', p.srcOff, p.srcOff + p.addrLen);
    const b = buf.toString('latin1', p.dstOff, p.dstOff + p.addrLen);
    const key = (a < b ? a + b : b + a) + type;
    let t = this.ipTunnels.get(key);
    if (!t) {
      t = { uid: this.tracker.nextUid() };
      this.ipTunnels.set(key, t);
      const fmt = p.version === 4 ? formatIPv4 : formatIPv6;
      this.sink('tunnel', {
        ts,
        uid: t.uid,
        'id.orig_h': fmt(buf, p.srcOff),
        'id.orig_p': 0,
        'id.resp_h': fmt(buf, p.dstOff),
        'id.resp_p': 0,
        tunnel_type: type,
        action: 'Tunnel::DISCOVER',
      });
    }
    return t;
  }

  /** IP-in-IP / IPv6-in-IPv4 (or GRE carrying IP directly). */
  private ipTunnel(p: IpPacket, level: number, type: string, innerOff: number): void {
    const ctx = this.ctx[level]!;
    const t = this.ipTunnelFor(p, type, ctx.ts);
    if (!this.innerContext(level, t.uid, null, null)) return;
    const end = p.l4Off + Math.min(p.l4Len, p.l4Cap);
    this.processIp(p.buf, innerOff, end, p.l4Off + p.l4Len, level + 1);
  }

  private gre(p: IpPacket, level: number): void {
    const buf = p.buf;
    let o = p.l4Off;
    const end = p.l4Off + Math.min(p.l4Len, p.l4Cap);
    if (o + 4 > end) return;
    const flags = buf.readUInt16BE(o);
    const proto = buf.readUInt16BE(o + 2);
    const version = flags & 0x7;
    o += 4;
    if (flags & 0x8000 || flags & 0x4000) o += 4; // checksum (+ routing offset)
    if (flags & 0x2000) o += 4; // key
    if (flags & 0x1000) o += 4; // sequence number
    if (version === 1 && flags & 0x0080) o += 4; // PPTP acknowledgment
    if (version > 1 || o > end) return;
    const ctx = this.ctx[level]!;
    const t = this.ipTunnelFor(p, 'Tunnel::GRE', ctx.ts);
    const innerL2 = this.l2[level + 1];
    if (!innerL2) return;
    let etherType = proto;
    if (version === 1) {
      // Enhanced GRE (PPTP) carries PPP.
      if (proto !== 0x880b) return;
      if (o + 2 <= end && buf[o] === 0xff && buf[o + 1] === 0x03) o += 2;
      if (o >= end) return;
      let pppProto: number;
      if (buf[o]! & 1) {
        pppProto = buf[o]!;
        o += 1;
      } else {
        if (o + 2 > end) return;
        pppProto = buf.readUInt16BE(o);
        o += 2;
      }
      if (pppProto === 0x21) etherType = ETH_IPV4;
      else if (pppProto === 0x57) etherType = ETH_IPV6;
      else return;
    }
    let l2Buf: Buffer | null = null;
    if (etherType === 0x88be || etherType === 0x22eb || etherType === 0x6558) {
      // ERSPAN II (sequence bit set) has an 8-byte header, type I none; III has 12 (+8).
      if (etherType === 0x88be && flags & 0x1000) o += 8;
      if (etherType === 0x22eb) {
        if (o + 12 > end) return;
        const hasSubHeader = (buf[o + 11]! & 0x01) !== 0;
        o += 12 + (hasSubHeader ? 8 : 0);
      }
      if (!decodeEthernet(buf, o, end, innerL2)) return;
      l2Buf = buf;
      etherType = innerL2.etherType;
      o = innerL2.l3Off;
    } else if (etherType !== ETH_IPV4 && etherType !== ETH_IPV6) {
      return;
    } else {
      innerL2.srcMacOff = -1;
      innerL2.dstMacOff = -1;
      innerL2.etherType = etherType;
      innerL2.l3Off = o;
    }
    if (!this.innerContext(level, t.uid, l2Buf, l2Buf ? innerL2 : null)) return;
    this.dispatchL3(buf, innerL2, end, p.l4Off + p.l4Len, level + 1);
  }

  /** Looks for VXLAN, Geneve, GTP-U, Teredo and AYIYA inside a UDP datagram. */
  private udpTunnels(p: IpPacket, conn: Connection, isOrig: boolean, level: number): void {
    const buf = p.buf;
    const start = p.l4Off + 8;
    const end = p.l4Off + Math.min(p.l4Len, p.l4Cap);
    const wireEnd = p.l4Off + p.l4Len;
    if (end - start <= 0) return;
    const port = conn.respP;
    const innerL2 = this.l2[level + 1];
    if (!innerL2) return;
    if (port === 4789 || port === 6081) {
      let o = start;
      if (port === 4789) {
        if (o + 8 > end || (buf[o]! & 0x08) === 0) return;
        o += 8;
      } else {
        if (o + 8 > end || buf[o]! >> 6 !== 0) return;
        const optLen = (buf[o]! & 0x3f) * 4;
        const proto = buf.readUInt16BE(o + 2);
        o += 8 + optLen;
        if (proto !== 0x6558) return;
      }
      if (!decodeEthernet(buf, o, end, innerL2)) return;
      this.enterUdpTunnel(conn, isOrig, port === 4789 ? 'vxlan' : 'geneve', port === 4789 ? 'Tunnel::VXLAN' : 'Tunnel::GENEVE', true);
      if (!this.innerContext(level, conn.uid, buf, innerL2)) return this.tooDeep(conn);
      this.dispatchL3(buf, innerL2, end, wireEnd, level + 1);
      return;
    }
    if (port === 2152) {
      const inner = gtpInner(buf, start, end);
      if (inner < 0) return;
      this.enterUdpTunnel(conn, isOrig, 'gtpv1', 'Tunnel::GTPv1', true);
      if (!this.innerContext(level, conn.uid, null, null)) return this.tooDeep(conn);
      this.processIp(buf, inner, end, wireEnd, level + 1);
      return;
    }
    if (port === 5072) {
      if (start + 8 > end) return;
      const idLen = 1 << (buf[start]! >> 4);
      const sigLen = (buf[start + 1]! >> 4) * 4;
      const opcode = buf[start + 2]! & 0x0f;
      const next = buf[start + 3]!;
      const inner = start + 8 + idLen + sigLen;
      if (inner > end || opcode !== 1 || (next !== 4 && next !== 41)) return;
      this.enterUdpTunnel(conn, isOrig, 'ayiya', 'Tunnel::AYIYA', true);
      if (!this.innerContext(level, conn.uid, null, null)) return this.tooDeep(conn);
      this.processIp(buf, inner, end, wireEnd, level + 1);
      return;
    }
    // Teredo is recognised by content on any port.
    const inner = teredoInner(buf, start, end, wireEnd);
    if (inner < 0) return;
    // Zeek waits for valid Teredo in both directions before confirming the service.
    this.enterUdpTunnel(conn, isOrig, 'teredo', 'Tunnel::TEREDO', false);
    if (!this.innerContext(level, conn.uid, null, null)) return this.tooDeep(conn);
    // A bubble (no next header, no payload) only keeps the NAT mapping alive.
    if (buf[inner + 6] === 59 && buf.readUInt16BE(inner + 4) === 0) return;
    this.processIp(buf, inner, end, wireEnd, level + 1);
  }

  private tooDeep(conn: Connection): void {
    conn.checkHistory(0x400, 'X');
  }

  private enterUdpTunnel(conn: Connection, isOrig: boolean, service: string, type: string, confirmNow: boolean): void {
    if (isOrig) conn.tunnelOrigSeen = true;
    else conn.tunnelRespSeen = true;
    conn.tunnelType = type;
    if (confirmNow || (conn.tunnelOrigSeen && conn.tunnelRespSeen)) conn.confirmService(service);
    if (!this.discoveredTunnels.has(conn.uid)) {
      this.discoveredTunnels.add(conn.uid);
      this.sink('tunnel', {
        ts: this.tracker.now,
        uid: conn.uid,
        'id.orig_h': conn.origH,
        'id.orig_p': conn.origP,
        'id.resp_h': conn.respH,
        'id.resp_p': conn.respP,
        tunnel_type: type,
        action: 'Tunnel::DISCOVER',
      });
      if (this.discoveredTunnels.size > 100000) this.discoveredTunnels.clear();
    }
  }

  // ---- ARP -------------------------------------------------------------------------------------

  private processArp(buf: Buffer, l2: Layer2Info, end: number, ts: number): void {
    const o = l2.l3Off;
    if (o + 8 > end) return;
    const hrd = buf.readUInt16BE(o);
    const pro = buf.readUInt16BE(o + 2);
    const hln = buf[o + 4]!;
    const pln = buf[o + 5]!;
    const op = buf.readUInt16BE(o + 6);
    // Zeek reports these as bad_arp and does not raise arp_request/arp_reply.
    if (hrd !== 1 || hln !== 6 || pro !== ETH_IPV4 || pln !== 4) return;
    if (o + 28 > end) return;
    if (op !== 1 && op !== 2) return;
    const sha = o + 8;
    const spa = o + 14;
    const tha = o + 18;
    const tpa = o + 24;
    this.sink('arp', {
      ts,
      operation: op === 1 ? 'request' : 'reply',
      src_mac: l2.srcMacOff >= 0 ? formatMac(buf, l2.srcMacOff) : formatMac(buf, sha),
      dst_mac: l2.dstMacOff >= 0 ? formatMac(buf, l2.dstMacOff) : 'ff:ff:ff:ff:ff:ff',
      orig_h: formatIPv4(buf, spa),
      resp_h: formatIPv4(buf, tpa),
      orig_hw: formatMac(buf, sha),
      resp_hw: formatMac(buf, tha),
    });
  }
}

/** Returns the offset of the IP packet inside a GTPv1-U G-PDU, or -1. */
function gtpInner(buf: Buffer, start: number, end: number): number {
  if (start + 8 > end) return -1;
  const flags = buf[start]!;
  if (flags >> 5 !== 1 || (flags & 0x10) === 0) return -1; // version 1, protocol type GTP
  if (buf[start + 1] !== 0xff) return -1; // only T-PDUs carry user packets
  let o = start + 8;
  if (flags & 0x07) {
    if (o + 4 > end) return -1;
    let next = buf[o + 3]!;
    o += 4;
    if (flags & 0x04) {
      while (next !== 0) {
        if (o >= end) return -1;
        const len = buf[o]! * 4;
        if (len === 0 || o + len > end) return -1;
        next = buf[o + len - 1]!;
        o += len;
      }
    }
  }
  if (o >= end) return -1;
  const v = buf[o]! >> 4;
  return v === 4 || v === 6 ? o : -1;
}

/** Returns the offset of the IPv6 packet inside a Teredo datagram, or -1. */
function teredoInner(buf: Buffer, start: number, end: number, wireEnd: number): number {
  let o = start;
  for (let guard = 0; guard < 3; guard++) {
    if (o + 2 > end) return -1;
    const tag = buf.readUInt16BE(o);
    if (tag === 0x0000) {
      o += 8; // origin indication
    } else if (tag === 0x0001) {
      if (o + 4 > end) return -1;
      o += 4 + buf[o + 2]! + buf[o + 3]! + 8 + 1; // authentication header
    } else {
      break;
    }
  }
  if (o + 40 > end) return -1;
  if (buf[o]! >> 4 !== 6) return -1;
  if (buf.readUInt16BE(o + 4) + 40 !== wireEnd - o) return -1;
  return o;
}

/**
 * Reads a capture (pcap or pcapng) from a path or stream and runs it through a PacketEngine.
 * Awaits once per chunk; the per-packet path is synchronous. `onError` gets the problem that
 * stopped the reading, `onNotice` each skipped packet and unsupported link type.
 */
export async function analysePcap(
  input: string | Readable,
  opts: PacketEngineOptions,
  sink: LogSink,
  onError?: (msg: string) => void,
  analyzerFactory: AnalyzerFactory | null = null,
  onNotice?: (msg: string) => void,
): Promise<{ packets: number; bytes: number; skipped: number }> {
  const engine = new PacketEngine(opts, sink, analyzerFactory);
  let failed = false;
  const reader = new CaptureReader(
    (linkType, ts, data, origLen) => engine.feedPacket(linkType, ts, data, origLen),
    (msg) => {
      failed = true;
      onError?.(msg);
    },
    onNotice,
  );
  const stream = typeof input === 'string' ? createReadStream(input, { highWaterMark: 1 << 20 }) : input;
  try {
    for await (const chunk of stream) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      if (!reader.push(b)) break;
    }
    if (!failed) reader.end();
  } catch (e) {
    onError?.(e instanceof Error ? e.message : String(e));
  } finally {
    if (typeof input === 'string') (stream as Readable).destroy();
  }
  engine.flush();
  return { packets: reader.packets, bytes: reader.bytes, skipped: reader.skipped };
}
