/** UDP connection tracking (Zeek's UDP session adapter) and the DNS analyzer's expiry timer. */
import { transportChecksumOk } from './checksum.js';
import { connKey, dstKeyOf, isBroadcast, srcKeyOf, type ConnTable } from './conn-table.js';
import { TimerKind, type Connection, type PacketContext } from './connection.js';
import type { IpPacket } from './ip.js';

// UDP and ICMP history bits.
const HIST_ORIG_DATA = 0x1;
const HIST_RESP_DATA = 0x2;
const HIST_ORIG_CORRUPT = 0x4;
const HIST_RESP_CORRUPT = 0x8;

/** A datagram's connection and direction, for the caller's tunnel detection. */
export interface UdpDelivery {
  conn: Connection;
  isOrig: boolean;
}

export class UdpConnections {
  /** the result of the last accepted datagram (one object, refilled) */
  private readonly delivered: UdpDelivery = { conn: null as unknown as Connection, isOrig: true };

  constructor(private readonly table: ConnTable) {}

  /**
   * Processes a UDP datagram. Returns the connection and direction when the datagram was
   * accepted (valid only until the next call), so the caller can look for tunnels in the payload.
   */
  process(p: IpPacket, ctx: PacketContext): UdpDelivery | null {
    const buf = p.buf;
    const o = p.l4Off;
    if (p.l4Len < 8 || p.l4Cap < 8) return null;
    const table = this.table;
    const opts = table.opts;
    const sport = buf.readUInt16BE(o);
    const dport = buf.readUInt16BE(o + 2);
    const srcKey = srcKeyOf(p);
    const dstKey = dstKeyOf(p);
    const key = connKey(17, srcKey, sport, dstKey, dport, false);
    let c = table.conns.get(key);
    if (!c) {
      c = table.create(key, p, ctx, 'udp', sport, dport, srcKey, dstKey);
      table.setInactivityTimeout(c, opts.udpInactivityTimeout);
      if (opts.likelyUdp.has(sport) && !opts.likelyUdp.has(dport) && !isBroadcast(p)) c.flipRoles();
      if (opts.dnsSessionTimeout > 0 && opts.dnsUdpPorts.has(c.respP)) {
        table.addAnalyzerTimer(c, ctx.ts + opts.dnsSessionTimeout, TimerKind.DnsExpire);
      }
      table.attachAnalyzer(c);
    }
    c.addParent(ctx.parentUid);
    let isOrig = srcKey === c.origKeyAddr && sport === c.origP;
    if (srcKey === dstKey && sport === dport) isOrig = true;
    const len = p.l4Len;
    if (!opts.ignoreChecksums && p.l4Cap >= len) {
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
    c.countPacket(isOrig, p.ipLen);
    if (c.analyzer?.deliverPacket) {
      const n = Math.min(len, p.l4Cap) - 8;
      c.analyzer.deliverPacket(isOrig, buf.subarray(o + 8, o + 8 + Math.max(0, n)), ctx.ts);
    }
    this.delivered.conn = c;
    this.delivered.isOrig = isOrig;
    return this.delivered;
  }

  /** Zeek's DNS_Analyzer::ExpireTimer (one second of slack, as in Zeek). */
  timer(c: Connection, kind: TimerKind): void {
    if (kind !== TimerKind.DnsExpire) return;
    const table = this.table;
    const timeout = table.opts.dnsSessionTimeout;
    if (table.now - c.lastTime >= timeout - 1) table.remove(c);
    else table.addAnalyzerTimer(c, table.now + timeout, TimerKind.DnsExpire);
  }
}
