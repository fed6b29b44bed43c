/**
 * Link-layer and IP decoding with offsets into the packet buffer.
 *
 * One mutable `Layer2Info` / `IpInfo` object is reused for every packet, so the hot path does
 * not allocate beyond the strings that identify a connection.
 */

export const ETH_IPV4 = 0x0800;
export const ETH_IPV6 = 0x86dd;
export const ETH_ARP = 0x0806;
const ETH_VLAN = 0x8100;
const ETH_QINQ = 0x88a8;
const ETH_QINQ_OLD = 0x9100;
const ETH_MPLS = 0x8847;
const ETH_MPLS_MC = 0x8848;
const ETH_PPPOE_SESSION = 0x8864;
const ETH_FABRICPATH = 0x8903;
const ETH_TRANS_ETHER = 0x6558;

/** Result of link-layer decoding: where the network layer starts and what it is. */
export interface Layer2Info {
  /** ethertype of the network layer (ETH_IPV4, ETH_IPV6, ETH_ARP, or other) */
  etherType: number;
  /** offset of the network-layer header */
  l3Off: number;
  /** offsets of source/destination MAC addresses, -1 when the link has none */
  srcMacOff: number;
  dstMacOff: number;
  vlan: number;
  innerVlan: number;
}

export function newLayer2Info(): Layer2Info {
  return { etherType: 0, l3Off: 0, srcMacOff: -1, dstMacOff: -1, vlan: 0, innerVlan: 0 };
}

/**
 * Decodes the link layer of a frame. Returns false when the frame cannot carry a network
 * layer we understand (the caller counts it as skipped).
 */
/** The link types `decodeLink` understands (LINKTYPE_* values of the pcap and pcapng formats). */
const SUPPORTED_LINK_TYPES: ReadonlySet<number> = new Set([0, 1, 9, 12, 14, 50, 101, 105, 108, 113, 127, 228, 229, 276]);

/** Names of link types met in practice, for the one line that says a capture cannot be decoded. */
const LINK_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'NULL'], [1, 'ETHERNET'], [6, 'IEEE802_5'], [7, 'ARCNET_BSD'], [8, 'SLIP'], [9, 'PPP'], [10, 'FDDI'],
  [12, 'RAW'], [14, 'RAW'], [50, 'PPP_HDLC'], [51, 'PPP_ETHER'], [100, 'ATM_RFC1483'], [101, 'RAW'], [104, 'C_HDLC'],
  [105, 'IEEE802_11'], [107, 'FRELAY'], [108, 'LOOP'], [113, 'LINUX_SLL'], [114, 'LTALK'], [119, 'PRISM_HEADER'],
  [122, 'IP_OVER_FC'], [127, 'IEEE802_11_RADIOTAP'], [138, 'APPLE_IP_OVER_IEEE1394'], [143, 'DOCSIS'],
  [163, 'IEEE802_11_AVS'], [165, 'BACNET_MS_TP'], [169, 'GPRS_LLC'], [187, 'BLUETOOTH_HCI_H4'], [189, 'USB_LINUX'],
  [192, 'PPI'], [195, 'IEEE802_15_4_WITHFCS'], [201, 'BLUETOOTH_HCI_H4_WITH_PHDR'], [215, 'IEEE802_15_4_NONASK_PHY'],
  [220, 'USB_LINUX_MMAPPED'], [227, 'CAN_SOCKETCAN'], [228, 'IPV4'], [229, 'IPV6'], [230, 'IEEE802_15_4_NOFCS'],
  [235, 'DVB_CI'], [239, 'NFLOG'], [240, 'NETANALYZER'], [249, 'USBPCAP'], [251, 'BLUETOOTH_LE_LL'], [253, 'NETLINK'],
  [254, 'BLUETOOTH_LINUX_MONITOR'], [264, 'IPMI_HPM_2'], [276, 'LINUX_SLL2'],
]);

export function isSupportedLinkType(linkType: number): boolean {
  return SUPPORTED_LINK_TYPES.has(linkType);
}

/** "147 (USER0)"-style text naming a link type. */
export function describeLinkType(linkType: number): string {
  const name = linkType >= 147 && linkType <= 162 ? `USER${linkType - 147}` : LINK_TYPE_NAMES.get(linkType);
  return name ? `${linkType} (LINKTYPE_${name})` : String(linkType);
}

export function decodeLink(linkType: number, buf: Buffer, out: Layer2Info): boolean {
  out.srcMacOff = -1;
  out.dstMacOff = -1;
  out.vlan = 0;
  out.innerVlan = 0;
  const end = buf.length;
  switch (linkType) {
    case 1: // Ethernet
      return decodeEthernet(buf, 0, end, out);
    case 0: // BSD NULL: 4-byte address family in host byte order
    case 108: {
      // OpenBSD LOOP: network byte order
      if (end < 4) return false;
      let family = linkType === 108 ? buf.readUInt32BE(0) : buf.readUInt32LE(0);
      // A NULL capture written on a big-endian host has the family in the high bytes.
      if (linkType === 0 && family > 0xffff) family = buf.readUInt32BE(0);
      out.l3Off = 4;
      if (family === 2) out.etherType = ETH_IPV4;
      else if (family === 24 || family === 28 || family === 30 || family === 10) out.etherType = ETH_IPV6;
      else return false;
      return true;
    }
    case 101: // raw IP
    case 12:
    case 14:
      return rawIp(buf, 0, out);
    case 228:
      out.l3Off = 0;
      out.etherType = ETH_IPV4;
      return true;
    case 229:
      out.l3Off = 0;
      out.etherType = ETH_IPV6;
      return true;
    case 113: {
      // Linux cooked capture v1: 16-byte header, protocol at 14
      if (end < 16) return false;
      const addrLen = buf.readUInt16BE(4);
      if (addrLen === 6) out.srcMacOff = 6;
      return dispatchEtherType(buf, buf.readUInt16BE(14), 16, end, out);
    }
    case 276: {
      // Linux cooked capture v2: 20-byte header, protocol at 0
      if (end < 20) return false;
      if (buf[11] === 6) out.srcMacOff = 12;
      return dispatchEtherType(buf, buf.readUInt16BE(0), 20, end, out);
    }
    case 9: // PPP without HDLC framing
    case 50: {
      // PPP in HDLC-like framing
      let off = 0;
      if (end >= 2 && buf[0] === 0xff && buf[1] === 0x03) off = 2;
      return decodePppProto(buf, off, end, out);
    }
    case 127: {
      // Radiotap + 802.11
      if (end < 4) return false;
      const rtLen = buf.readUInt16LE(2);
      return decode80211(buf, rtLen, end, out);
    }
    case 105:
      return decode80211(buf, 0, end, out);
    default:
      return false;
  }
}

function rawIp(buf: Buffer, off: number, out: Layer2Info): boolean {
  if (buf.length <= off) return false;
  const v = buf[off]! >> 4;
  out.l3Off = off;
  if (v === 4) out.etherType = ETH_IPV4;
  else if (v === 6) out.etherType = ETH_IPV6;
  else return false;
  return true;
}

function decodePppProto(buf: Buffer, off: number, end: number, out: Layer2Info): boolean {
  if (off + 2 > end) return false;
  const proto = buf.readUInt16BE(off);
  out.l3Off = off + 2;
  if (proto === 0x0021) out.etherType = ETH_IPV4;
  else if (proto === 0x0057) out.etherType = ETH_IPV6;
  else return false;
  return true;
}

/** Decodes an Ethernet frame starting at `off` (used for the outer frame and for tunnels). */
export function decodeEthernet(buf: Buffer, off: number, end: number, out: Layer2Info): boolean {
  if (off + 14 > end) return false;
  out.dstMacOff = off;
  out.srcMacOff = off + 6;
  const type = buf.readUInt16BE(off + 12);
  if (type === ETH_FABRICPATH) {
    // Cisco FabricPath: the outer MACs, the ethertype and 2 bytes of FTag/TTL wrap a whole
    // classic Ethernet frame.
    return decodeEthernet(buf, off + 16, end, out);
  }
  if (type <= 1500) {
    // 802.3 length field: only LLC/SNAP-encapsulated IP is interesting.
    if (off + 22 <= end && buf[off + 14] === 0xaa && buf[off + 15] === 0xaa && buf[off + 16] === 0x03) {
      return dispatchEtherType(buf, buf.readUInt16BE(off + 20), off + 22, end, out);
    }
    return false;
  }
  return dispatchEtherType(buf, type, off + 14, end, out);
}

function dispatchEtherType(buf: Buffer, type: number, off: number, end: number, out: Layer2Info): boolean {
  for (;;) {
    switch (type) {
      case ETH_IPV4:
      case ETH_IPV6:
      case ETH_ARP:
        out.etherType = type;
        out.l3Off = off;
        return true;
      case ETH_VLAN:
      case ETH_QINQ:
      case ETH_QINQ_OLD: {
        if (off + 4 > end) return false;
        const vid = buf.readUInt16BE(off) & 0x0fff;
        if (out.vlan === 0) out.vlan = vid;
        else if (out.innerVlan === 0) out.innerVlan = vid;
        type = buf.readUInt16BE(off + 2);
        off += 4;
        continue;
      }
      case ETH_MPLS:
      case ETH_MPLS_MC: {
        // Pop labels until bottom-of-stack, then guess the payload from the IP version nibble.
        for (;;) {
          if (off + 4 > end) return false;
          const bos = buf[off + 2]! & 0x01;
          off += 4;
          if (bos) break;
        }
        return rawIp(buf, off, out);
      }
      case ETH_PPPOE_SESSION: {
        // 6-byte PPPoE header, then the PPP protocol field.
        if (off + 8 > end) return false;
        return decodePppProto(buf, off + 6, end, out);
      }
      case ETH_TRANS_ETHER:
        return decodeEthernet(buf, off, end, out);
      default:
        out.etherType = type;
        out.l3Off = off;
        return false;
    }
  }
}

function decode80211(buf: Buffer, off: number, end: number, out: Layer2Info): boolean {
  if (off + 24 > end) return false;
  const fc0 = buf[off]!;
  const fc1 = buf[off + 1]!;
  const frameType = (fc0 >> 2) & 0x3;
  if (frameType !== 2) return false; // only data frames carry IP
  if (fc1 & 0x40) return false; // protected frame: encrypted payload
  const subtype = (fc0 >> 4) & 0xf;
  if (subtype & 0x4) return false; // null-data frames
  const toDs = fc1 & 0x01;
  const fromDs = fc1 & 0x02;
  let hdr = 24;
  if (toDs && fromDs) hdr += 6;
  if (subtype & 0x8) hdr += 2; // QoS control
  if (fc1 & 0x80 && subtype & 0x8) hdr += 4; // HT control (order bit on QoS frames)
  // Addresses: addr1 at 4, addr2 at 10, addr3 at 16, addr4 at 24.
  if (!toDs && !fromDs) {
    out.dstMacOff = off + 4;
    out.srcMacOff = off + 10;
  } else if (toDs && !fromDs) {
    out.dstMacOff = off + 16;
    out.srcMacOff = off + 10;
  } else if (!toDs && fromDs) {
    out.dstMacOff = off + 4;
    out.srcMacOff = off + 16;
  } else {
    out.dstMacOff = off + 16;
    out.srcMacOff = off + 24;
  }
  const llc = off + hdr;
  if (llc + 8 > end) return false;
  if (buf[llc] !== 0xaa || buf[llc + 1] !== 0xaa || buf[llc + 2] !== 0x03) return false;
  return dispatchEtherType(buf, buf.readUInt16BE(llc + 6), llc + 8, end, out);
}

export function formatMac(buf: Buffer, off: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) {
    const b = buf[off + i]!;
    s += (i ? ':' : '') + (b < 16 ? '0' : '') + b.toString(16);
  }
  return s;
}

export function formatIPv4(buf: Buffer, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

/** IPv6 text form as inet_ntop writes it (RFC 5952 zero compression, dotted IPv4 tails). */
export function formatIPv6(buf: Buffer, off: number): string {
  const words: number[] = new Array(8);
  for (let i = 0; i < 8; i++) words[i] = buf.readUInt16BE(off + 2 * i);
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) forms.
  if (words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0) {
    if (words[5] === 0xffff) return `::ffff:${formatIPv4(buf, off + 12)}`;
    if (words[5] === 0 && words[6] !== 0) return `::${formatIPv4(buf, off + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    s += words[i]!.toString(16);
    if (i < 7) s += ':';
  }
  return s;
}

/** Parses a textual IPv4/IPv6 address into 4 or 16 bytes; returns null when invalid. */
export function parseAddress(text: string): Uint8Array | null {
  if (text.includes(':')) {
    let head = text;
    let v4tail: Uint8Array | null = null;
    const lastColon = text.lastIndexOf(':');
    if (text.slice(lastColon + 1).includes('.')) {
      v4tail = parseAddress(text.slice(lastColon + 1));
      if (!v4tail || v4tail.length !== 4) return null;
      head = text.slice(0, lastColon + 1) + '0:0';
    }
    const parts = head.split('::');
    if (parts.length > 2) return null;
    const left = parts[0] ? parts[0].split(':') : [];
    const right = parts.length === 2 && parts[1] ? parts[1].split(':') : [];
    const fill = 8 - left.length - right.length;
    if (parts.length === 1 ? fill !== 0 : fill < 1) return null;
    const words = [...left, ...new Array<string>(parts.length === 2 ? fill : 0).fill('0'), ...right];
    const out = new Uint8Array(16);
    for (let i = 0; i < 8; i++) {
      const w = parseInt(words[i]!, 16);
      if (!/^[0-9a-fA-F]{1,4}$/.test(words[i]!) || Number.isNaN(w)) return null;
      out[2 * i] = w >> 8;
      out[2 * i + 1] = w & 0xff;
    }
    if (v4tail) out.set(v4tail, 12);
    return out;
  }
  const p = text.split('.');
  if (p.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(p[i]!)) return null;
    const n = Number(p[i]);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** Ones-complement sum of a byte range, folded to 16 bits is done by the caller. */
export function onesSum(buf: Uint8Array, off: number, len: number, sum = 0): number {
  let i = off;
  const end = off + len - 1;
  for (; i < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i === end) sum += buf[i]! << 8;
  return sum;
}

export function foldSum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return sum;
}
