// AID ("All-ID"): Community ID with the flow start time mixed in, as Slips stores it per flow.
import { hash } from 'node:crypto';
import { parseIp } from './ip.js';

const PROTO_NUM: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, 'ipv6-icmp': 58, icmp6: 58 };

// Community ID's ICMP request/reply pairs: a type maps to its counterpart so both directions hash alike.
const ICMP4_PAIRS: Record<number, number> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17 };
const ICMP6_PAIRS: Record<number, number> = { 128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130 };

function addrBytes(ip: string): Buffer | null {
  const p = parseIp(ip);
  if (!p) return null;
  if (p.v === 4) { const b = Buffer.alloc(4); b.writeUInt32BE(p.n >>> 0); return b; }
  const b = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) b.writeUInt16BE(p.g[i]!, i * 2);
  return b;
}

/** Largest |time| whose microseconds fit the hash's signed 64-bit field (about 9.2e12 s). */
const MAX_AID_SECONDS = 9.2e12;

/**
 * "2:<base64 sha1>", or "" for protocols other than tcp/udp/icmp, unparsable addresses, or a time
 * that does not fit the hash (readers reject such times before; this keeps the function total).
 */
export function aidHash(ts: number, saddr: string, daddr: string, proto: string, sport: number, dport: number): string {
  const pn = PROTO_NUM[proto.toLowerCase()];
  if (pn === undefined || !(Math.abs(ts) < MAX_AID_SECONDS)) return '';
  let src = addrBytes(saddr), dst = addrBytes(daddr);
  if (!src || !dst || src.length !== dst.length) return '';
  let sp = sport, dp = dport;
  let oneWay = false;
  if (pn === 1 || pn === 58) {
    const pairs = pn === 1 ? ICMP4_PAIRS : ICMP6_PAIRS;
    const counterpart = pairs[sport];
    if (counterpart === undefined) oneWay = true; else dp = counterpart;
  }
  const cmp = Buffer.compare(src, dst);
  if (!oneWay && (cmp > 0 || (cmp === 0 && sp > dp))) { [src, dst] = [dst, src]; [sp, dp] = [dp, sp]; }
  const tsInt = BigInt(ts.toFixed(6).replace('.', ''));
  const n = src.length;
  const buf = Buffer.allocUnsafe(10 + 2 * n + 6);
  buf.writeUInt16BE(0, 0);
  buf.writeBigInt64BE(tsInt, 2);
  src.copy(buf, 10);
  dst.copy(buf, 10 + n);
  let o = 10 + 2 * n;
  buf.writeUInt8(pn, o); buf.writeUInt8(0, o + 1); buf.writeUInt16BE(sp & 0xffff, o + 2); buf.writeUInt16BE(dp & 0xffff, o + 4);
  o += 6;
  return `2:${hash('sha1', buf, 'base64')}`;
}
