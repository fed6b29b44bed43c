/** ICMP and ICMPv6 connection tracking (Zeek's ICMP analyzer: request/reply pairs by type). */
import { icmp4ChecksumOk, transportChecksumOk } from './checksum.js';
import { connKey, dstKeyOf, srcKeyOf, type ConnTable } from './conn-table.js';
import type { PacketContext } from './connection.js';
import type { IpPacket } from './ip.js';

/** ICMP types that have a request/reply counterpart (Zeek's ICMP4_counterpart). */
const ICMP4_COUNTERPART: Readonly<Record<number, number>> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17 };
/** Zeek's ICMP6_counterpart. */
const ICMP6_COUNTERPART: Readonly<Record<number, number>> = {
  128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130, 139: 140, 140: 139, 144: 145, 145: 144,
};

const PROTO_ICMP6 = 58;

export class IcmpConnections {
  constructor(private readonly table: ConnTable) {}

  process(p: IpPacket, ctx: PacketContext): void {
    const buf = p.buf;
    const o = p.l4Off;
    if (p.l4Len < 8 || p.l4Cap < 8) return;
    const table = this.table;
    const v6 = p.proto === PROTO_ICMP6;
    const type = buf[o]!;
    const code = buf[o + 1]!;
    const counterpart = (v6 ? ICMP6_COUNTERPART : ICMP4_COUNTERPART)[type];
    // Zeek's ports: the type, and the counterpart type or (without one) the code.
    const oneWay = counterpart === undefined;
    const sport = type;
    const dport = oneWay ? code : counterpart;
    const srcKey = srcKeyOf(p);
    const dstKey = dstKeyOf(p);
    const key = connKey(p.proto, srcKey, sport, dstKey, dport, oneWay);
    let c = table.conns.get(key);
    if (!c) {
      c = table.create(key, p, ctx, 'icmp', sport, dport, srcKey, dstKey);
      table.setInactivityTimeout(c, table.opts.icmpInactivityTimeout);
      table.attachAnalyzer(c);
    }
    c.addParent(ctx.parentUid);
    // One-way ICMP connections are keyed by direction, so their packets all come from the originator.
    const isOrig = oneWay || (srcKey === c.origKeyAddr && sport === c.origP);
    const len = p.l4Len;
    if (!table.opts.ignoreChecksums && p.l4Cap >= len) {
      const ok = v6 ? transportChecksumOk(p, PROTO_ICMP6) : icmp4ChecksumOk(p);
      if (!ok) return;
    }
    c.lastTime = ctx.ts;
    const bytes = len - 8;
    if (isOrig) c.origLen = c.origLen < 0 ? bytes : c.origLen + bytes;
    else c.respLen = c.respLen < 0 ? bytes : c.respLen + bytes;
    c.countPacket(isOrig, p.ipLen);
    if (c.analyzer?.deliverPacket) c.analyzer.deliverPacket(isOrig, buf.subarray(o, o + Math.min(len, p.l4Cap)), ctx.ts);
  }
}
