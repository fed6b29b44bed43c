/** Transport checksums (TCP, UDP, ICMPv6 with the IP pseudo-header; ICMPv4 without). */
import { foldSum, onesSum } from './decode.js';
import type { IpPacket } from './ip.js';

function pseudoHeaderSum(p: IpPacket, proto: number, len: number): number {
  let sum = onesSum(p.buf, p.srcOff, p.addrLen);
  sum = onesSum(p.buf, p.dstOff, p.addrLen, sum);
  sum += proto;
  sum += len & 0xffff;
  if (len > 0xffff) sum += Math.floor(len / 65536);
  return sum;
}

/** The checksum of a TCP (6), UDP (17) or ICMPv6 (58) datagram, pseudo-header included, is right. */
export function transportChecksumOk(p: IpPacket, proto: number): boolean {
  const sum = onesSum(p.buf, p.l4Off, p.l4Len, pseudoHeaderSum(p, proto, p.l4Len));
  return foldSum(sum) === 0xffff;
}

/** ICMPv4's checksum covers the ICMP message only. */
export function icmp4ChecksumOk(p: IpPacket): boolean {
  return foldSum(onesSum(p.buf, p.l4Off, p.l4Len)) === 0xffff;
}
