/**
 * IPv4/IPv6 header parsing into a reusable view, and IP fragment reassembly.
 */
import { foldSum, onesSum } from './decode.js';
import { BoundedMap } from '../util/bounded-map.js';

/** A parsed IP datagram; offsets point into `buf`. One instance is reused per nesting level. */
export interface IpPacket {
  buf: Buffer;
  version: 4 | 6;
  ipOff: number;
  srcOff: number;
  dstOff: number;
  addrLen: 4 | 16;
  /** transport protocol after extension headers */
  proto: number;
  /** offset of the transport header */
  l4Off: number;
  /** transport bytes according to the IP header (link padding excluded) */
  l4Len: number;
  /** transport bytes actually captured (a snaplen can make this smaller than l4Len) */
  l4Cap: number;
  /** what conn.log counts as ip_bytes: IPv4 total length, IPv6 payload length + 40 */
  ipLen: number;
  /** fragment information (0/false when not a fragment) */
  fragOffset: number;
  moreFragments: boolean;
  fragId: number;
  /** offset of the IPv6 fragment header, -1 if none */
  v6FragHdrOff: number;
  /** offset of the next-header byte that names the IPv6 fragment header */
  v6FragPrevNextOff: number;
}

export function newIpPacket(): IpPacket {
  return {
    buf: Buffer.alloc(0),
    version: 4,
    ipOff: 0,
    srcOff: 0,
    dstOff: 0,
    addrLen: 4,
    proto: 0,
    l4Off: 0,
    l4Len: 0,
    l4Cap: 0,
    ipLen: 0,
    fragOffset: 0,
    moreFragments: false,
    fragId: 0,
    v6FragHdrOff: -1,
    v6FragPrevNextOff: -1,
  };
}

export const enum IpParse {
  Ok,
  /** malformed or truncated: drop */
  Bad,
  /** bad IPv4 header checksum: drop */
  BadChecksum,
}

/**
 * Parses the IP header at `off`. `wireEnd` is where the datagram would end on the wire (the
 * frame's original length), `capEnd` where the captured bytes end.
 */
export function parseIp(buf: Buffer, off: number, capEnd: number, wireEnd: number, checkSum: boolean, p: IpPacket): IpParse {
  if (off >= capEnd) return IpParse.Bad;
  const version = buf[off]! >> 4;
  p.buf = buf;
  p.ipOff = off;
  p.fragOffset = 0;
  p.moreFragments = false;
  p.fragId = 0;
  p.v6FragHdrOff = -1;
  p.v6FragPrevNextOff = -1;
  if (version === 4) {
    if (off + 20 > capEnd) return IpParse.Bad;
    const hl = (buf[off]! & 0x0f) * 4;
    const total = buf.readUInt16BE(off + 2);
    if (hl < 20 || off + hl > capEnd) return IpParse.Bad;
    // TSO-captured packets can have a zero total length; fall back to what is on the wire.
    const totalLen = total === 0 ? wireEnd - off : total;
    if (totalLen < hl) return IpParse.Bad;
    if (off + totalLen > wireEnd) return IpParse.Bad; // truncated_IP
    if (checkSum && foldSum(onesSum(buf, off, hl)) !== 0xffff) return IpParse.BadChecksum;
    p.version = 4;
    p.addrLen = 4;
    p.srcOff = off + 12;
    p.dstOff = off + 16;
    p.proto = buf[off + 9]!;
    p.l4Off = off + hl;
    p.l4Len = totalLen - hl;
    p.l4Cap = Math.min(capEnd, off + totalLen) - p.l4Off;
    p.ipLen = totalLen;
    const frag = buf.readUInt16BE(off + 6);
    p.moreFragments = (frag & 0x2000) !== 0;
    p.fragOffset = (frag & 0x1fff) * 8;
    p.fragId = buf.readUInt16BE(off + 4);
    return IpParse.Ok;
  }
  if (version === 6) {
    if (off + 40 > capEnd) return IpParse.Bad;
    const plen = buf.readUInt16BE(off + 4);
    const payloadLen = plen; // jumbograms (payload length 0 + hop-by-hop option) are not supported
    if (off + 40 + payloadLen > wireEnd) return IpParse.Bad;
    p.version = 6;
    p.addrLen = 16;
    p.srcOff = off + 8;
    p.dstOff = off + 24;
    p.ipLen = payloadLen + 40;
    const end = off + 40 + payloadLen;
    let next = buf[off + 6]!;
    let prevNextOff = off + 6;
    let h = off + 40;
    // Walk the extension headers.
    for (;;) {
      if (next === 0 || next === 43 || next === 60 || next === 135 || next === 139 || next === 140) {
        if (h + 8 > capEnd || h + 8 > end) return IpParse.Bad;
        const len = (buf[h + 1]! + 1) * 8;
        if (next === 43 && buf[h + 3]! > 0) {
          // Routing header with segments left: the real destination is the last address.
          const type = buf[h + 2]!;
          if ((type === 0 || type === 2) && h + len <= capEnd && len >= 24) p.dstOff = h + len - 16;
        }
        prevNextOff = h;
        next = buf[h]!;
        h += len;
        continue;
      }
      if (next === 51) {
        // Authentication header: length in 4-octet units, minus 2.
        if (h + 8 > capEnd) return IpParse.Bad;
        const len = (buf[h + 1]! + 2) * 4;
        prevNextOff = h;
        next = buf[h]!;
        h += len;
        continue;
      }
      if (next === 44) {
        if (h + 8 > capEnd || h + 8 > end) return IpParse.Bad;
        const fo = buf.readUInt16BE(h + 2);
        p.fragOffset = fo & 0xfff8;
        p.moreFragments = (fo & 1) !== 0;
        p.fragId = buf.readUInt32BE(h + 4);
        p.v6FragHdrOff = h;
        p.v6FragPrevNextOff = prevNextOff;
        next = buf[h]!;
        h += 8;
        if (p.fragOffset !== 0 || p.moreFragments) break; // the rest is fragment payload
        continue; // atomic fragment: keep parsing
      }
      break;
    }
    if (h > end) return IpParse.Bad;
    p.proto = next;
    p.l4Off = h;
    p.l4Len = end - h;
    p.l4Cap = Math.max(0, Math.min(capEnd, end) - h);
    return IpParse.Ok;
  }
  return IpParse.Bad;
}

export function isFragment(p: IpPacket): boolean {
  return p.fragOffset !== 0 || p.moreFragments;
}

interface FragPiece {
  off: number;
  data: Buffer;
}

interface FragSet {
  /** copy of the first fragment's header bytes (IPv4 header, or IPv6 header + unfragmentable part) */
  header: Buffer | null;
  /** offset in `header` of the next-header byte naming the fragment header (IPv6) */
  prevNextOff: number;
  nextHeader: number;
  pieces: FragPiece[];
  /** total payload length, known once the last fragment arrived */
  total: number;
  lastSeen: number;
  bytes: number;
}

/**
 * Reassembles IPv4/IPv6 fragments. Incomplete sets are dropped after `timeout` seconds of
 * packet time, and the number of pending sets and bytes is capped.
 */
export class FragmentReassembler {
  private readonly sets: BoundedMap<string, FragSet>;
  private lastSweep = 0;

  constructor(
    private readonly timeout: number,
    maxSets = 65536,
  ) {
    this.sets = new BoundedMap(maxSets);
  }

  get pending(): number {
    return this.sets.size;
  }

  /**
   * Adds the fragment in `p`. Returns a Buffer holding the whole reassembled datagram once
   * complete, or null.
   */
  add(p: IpPacket, ts: number): Buffer | null {
    if (ts - this.lastSweep > this.timeout) this.sweep(ts);
    const buf = p.buf;
    const key =
      buf.toString('latin1', p.srcOff, p.srcOff + p.addrLen) +
      buf.toString('latin1', p.dstOff, p.dstOff + p.addrLen) +
      '|' +
      p.fragId +
      '|' +
      (p.version === 4 ? p.proto : 'v6');
    let set = this.sets.get(key);
    if (!set) {
      set = { header: null, prevNextOff: -1, nextHeader: 0, pieces: [], total: -1, lastSeen: ts, bytes: 0 };
      this.sets.set(key, set);
    }
    set.lastSeen = ts;
    const dataLen = Math.min(p.l4Len, p.l4Cap);
    if (dataLen < p.l4Len) return null; // a snaplen-cut fragment can never complete the set
    if (p.fragOffset === 0) {
      if (p.version === 4) {
        set.header = Buffer.from(buf.subarray(p.ipOff, p.l4Off));
      } else {
        set.header = Buffer.from(buf.subarray(p.ipOff, p.v6FragHdrOff));
        set.prevNextOff = p.v6FragPrevNextOff - p.ipOff;
        set.nextHeader = p.proto;
      }
    }
    if (!p.moreFragments) set.total = p.fragOffset + p.l4Len;
    set.pieces.push({ off: p.fragOffset, data: Buffer.from(buf.subarray(p.l4Off, p.l4Off + p.l4Len)) });
    set.bytes += p.l4Len;
    if (set.bytes > 65535 + 65535) {
      this.sets.delete(key);
      return null;
    }
    if (set.total < 0 || !set.header) return null;
    // Check coverage of [0, total).
    set.pieces.sort((a, b) => a.off - b.off);
    let covered = 0;
    for (const pc of set.pieces) {
      if (pc.off > covered) return null;
      covered = Math.max(covered, pc.off + pc.data.length);
    }
    if (covered < set.total) return null;
    this.sets.delete(key);
    const hdr = set.header;
    const out = Buffer.alloc(hdr.length + set.total);
    hdr.copy(out, 0);
    for (const pc of set.pieces) {
      const n = Math.min(pc.data.length, set.total - pc.off);
      if (n > 0) pc.data.copy(out, hdr.length + pc.off, 0, n);
    }
    if (p.version === 4) {
      out.writeUInt16BE(out.length, 2);
      out.writeUInt16BE(0, 6); // clear MF and offset
      // Recompute the header checksum so the reassembled header validates.
      out.writeUInt16BE(0, 10);
      out.writeUInt16BE(~foldSum(onesSum(out, 0, hdr.length)) & 0xffff, 10);
    } else {
      out[set.prevNextOff] = set.nextHeader;
      out.writeUInt16BE(out.length - 40, 4);
    }
    return out;
  }

  private sweep(ts: number): void {
    this.lastSweep = ts;
    for (const [k, s] of this.sets) if (ts - s.lastSeen > this.timeout) this.sets.delete(k);
  }
}
