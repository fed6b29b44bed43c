/**
 * Builders for synthetic packets and capture files (tests and the benchmark).
 */
import { foldSum, onesSum } from '../../src/capture/decode.js';

export interface Frame {
  ts: number;
  data: Buffer;
  origLen?: number;
}

function ipv4Bytes(a: string): number[] {
  return a.split('.').map(Number);
}

function checksum(buf: Buffer, off: number, len: number, initial = 0): number {
  return ~foldSum(onesSum(buf, off, len, initial)) & 0xffff;
}

/** A TCP or UDP header + payload with a valid checksum for the given IPv4 pair. */
export function l4(proto: 6 | 17, src: string, dst: string, sport: number, dport: number, payload: Buffer, tcp?: { seq: number; ack: number; flags: number; win?: number }): Buffer {
  const hl = proto === 6 ? 20 : 8;
  const b = Buffer.alloc(hl + payload.length);
  b.writeUInt16BE(sport, 0);
  b.writeUInt16BE(dport, 2);
  if (proto === 6) {
    const t = tcp ?? { seq: 0, ack: 0, flags: 0x02 };
    b.writeUInt32BE(t.seq >>> 0, 4);
    b.writeUInt32BE(t.ack >>> 0, 8);
    b[12] = 5 << 4;
    b[13] = t.flags;
    b.writeUInt16BE(t.win ?? 65535, 14);
  } else {
    b.writeUInt16BE(8 + payload.length, 4);
  }
  payload.copy(b, hl);
  const pseudo = Buffer.from([...ipv4Bytes(src), ...ipv4Bytes(dst), 0, proto, (b.length >> 8) & 0xff, b.length & 0xff]);
  const sum = checksum(b, 0, b.length, onesSum(pseudo, 0, pseudo.length));
  b.writeUInt16BE(proto === 17 && sum === 0 ? 0xffff : sum, proto === 6 ? 16 : 6);
  return b;
}

/** An IPv4 header in front of `payload`. */
export function ipv4(src: string, dst: string, proto: number, payload: Buffer, opts: { id?: number; fragOffset?: number; mf?: boolean; totalLen?: number } = {}): Buffer {
  const b = Buffer.alloc(20 + payload.length);
  b[0] = 0x45;
  b.writeUInt16BE(opts.totalLen ?? b.length, 2);
  b.writeUInt16BE(opts.id ?? 1, 4);
  b.writeUInt16BE(((opts.mf ? 1 : 0) << 13) | ((opts.fragOffset ?? 0) >> 3), 6);
  b[8] = 64;
  b[9] = proto;
  Buffer.from(ipv4Bytes(src)).copy(b, 12);
  Buffer.from(ipv4Bytes(dst)).copy(b, 16);
  b.writeUInt16BE(checksum(b, 0, 20), 10);
  payload.copy(b, 20);
  return b;
}

/** An Ethernet frame, optionally with 802.1Q tags (outermost first). */
export function ether(payload: Buffer, etherType = 0x0800, vlans: number[] = [], src = '00:00:00:00:00:01', dst = '00:00:00:00:00:02'): Buffer {
  const mac = (m: string): number[] => m.split(':').map((x) => parseInt(x, 16));
  const hdr: number[] = [...mac(dst), ...mac(src)];
  for (const [i, v] of vlans.entries()) hdr.push(...[i === 0 && vlans.length > 1 ? 0x88 : 0x81, i === 0 && vlans.length > 1 ? 0xa8 : 0x00, (v >> 8) & 0x0f, v & 0xff]);
  hdr.push((etherType >> 8) & 0xff, etherType & 0xff);
  return Buffer.concat([Buffer.from(hdr), payload]);
}

export interface PcapOptions {
  bigEndian?: boolean;
  nanos?: boolean;
  linkType?: number;
}

export function pcapHeader(o: PcapOptions = {}): Buffer {
  const h = Buffer.alloc(24);
  const w32 = (v: number, off: number): number => (o.bigEndian ? h.writeUInt32BE(v, off) : h.writeUInt32LE(v, off));
  const w16 = (v: number, off: number): number => (o.bigEndian ? h.writeUInt16BE(v, off) : h.writeUInt16LE(v, off));
  w32(o.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(2, 4);
  w16(4, 6);
  w32(262144, 16);
  w32(o.linkType ?? 1, 20);
  return h;
}

export function pcapRecord(f: Frame, o: PcapOptions = {}): Buffer {
  const h = Buffer.alloc(16);
  const w32 = (v: number, off: number): number => (o.bigEndian ? h.writeUInt32BE(v, off) : h.writeUInt32LE(v, off));
  const sec = Math.floor(f.ts);
  const frac = Math.round((f.ts - sec) * (o.nanos ? 1e9 : 1e6));
  w32(sec, 0);
  w32(frac, 4);
  w32(f.data.length, 8);
  w32(f.origLen ?? f.data.length, 12);
  return Buffer.concat([h, f.data]);
}

export function pcapFile(frames: Frame[], o: PcapOptions = {}): Buffer {
  return Buffer.concat([pcapHeader(o), ...frames.map((f) => pcapRecord(f, o))]);
}

export interface NgInterface {
  linkType: number;
  /** if_tsresol byte (6 = microseconds, 9 = nanoseconds) */
  tsresol?: number;
  /** if_tsoffset in seconds (a signed 64-bit value) */
  tsoffset?: bigint;
}

/** A pcapng frame; `rawTs` writes that timestamp value as it is instead of one derived from `ts`. */
export type NgFrame = Frame & { ifId?: number; rawTs?: bigint };

/** A pcapng file: one SHB, the interfaces, then one EPB per frame. */
export function pcapngFile(interfaces: NgInterface[], frames: NgFrame[], bigEndian = false): Buffer {
  const parts: Buffer[] = [];
  const block = (type: number, body: Buffer): Buffer => {
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    const len = padded.length + 12;
    const b = Buffer.alloc(len);
    if (bigEndian) {
      b.writeUInt32BE(type, 0);
      b.writeUInt32BE(len, 4);
      b.writeUInt32BE(len, len - 4);
    } else {
      b.writeUInt32LE(type, 0);
      b.writeUInt32LE(len, 4);
      b.writeUInt32LE(len, len - 4);
    }
    padded.copy(b, 8);
    return b;
  };
  const u32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    if (bigEndian) b.writeUInt32BE(v >>> 0);
    else b.writeUInt32LE(v >>> 0);
    return b;
  };
  const u16 = (v: number): Buffer => {
    const b = Buffer.alloc(2);
    if (bigEndian) b.writeUInt16BE(v);
    else b.writeUInt16LE(v);
    return b;
  };
  // SHB: byte-order magic, version 1.0, section length -1
  parts.push(block(0x0a0d0d0a, Buffer.concat([u32(0x1a2b3c4d), u16(1), u16(0), Buffer.alloc(8, 0xff)])));
  for (const itf of interfaces) {
    const opts: Buffer[] = [];
    if (itf.tsresol !== undefined) opts.push(u16(9), u16(1), Buffer.from([itf.tsresol, 0, 0, 0]));
    if (itf.tsoffset !== undefined) {
      const v = BigInt.asUintN(64, itf.tsoffset);
      opts.push(u16(14), u16(8), ...(bigEndian ? [u32(Number(v >> 32n)), u32(Number(v & 0xffffffffn))] : [u32(Number(v & 0xffffffffn)), u32(Number(v >> 32n))]));
    }
    opts.push(u16(0), u16(0));
    parts.push(block(1, Buffer.concat([u16(itf.linkType), u16(0), u32(262144), ...opts])));
  }
  for (const f of frames) {
    const itf = interfaces[f.ifId ?? 0]!;
    const units = 10 ** (itf.tsresol ?? 6);
    const raw = f.rawTs ?? BigInt(Math.floor(f.ts)) * BigInt(units) + BigInt(Math.round((f.ts - Math.floor(f.ts)) * units));
    const hi = Number(raw >> 32n);
    const lo = Number(raw & 0xffffffffn);
    parts.push(block(6, Buffer.concat([u32(f.ifId ?? 0), u32(hi), u32(lo), u32(f.data.length), u32(f.origLen ?? f.data.length), f.data])));
  }
  return Buffer.concat(parts);
}

/** One short TCP connection (SYN, SYN-ACK, ACK, data, FINs) between two hosts. */
export function shortTcpConnection(i: number, t0: number): Frame[] {
  const cli = `10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}`;
  const srv = '192.0.2.80';
  const sport = 1024 + (i % 60000);
  const seqC = 1000;
  const seqS = 5000;
  const req = Buffer.from('GET / HTTP/1.0\r\n\r\n');
  const mk = (fromCli: boolean, seq: number, ack: number, flags: number, payload = Buffer.alloc(0)): Buffer =>
    ether(ipv4(fromCli ? cli : srv, fromCli ? srv : cli, 6, l4(6, fromCli ? cli : srv, fromCli ? srv : cli, fromCli ? sport : 80, fromCli ? 80 : sport, payload, { seq, ack, flags })));
  return [
    { ts: t0, data: mk(true, seqC, 0, 0x02) },
    { ts: t0 + 0.001, data: mk(false, seqS, seqC + 1, 0x12) },
    { ts: t0 + 0.002, data: mk(true, seqC + 1, seqS + 1, 0x10) },
    { ts: t0 + 0.003, data: mk(true, seqC + 1, seqS + 1, 0x18, req) },
    { ts: t0 + 0.004, data: mk(false, seqS + 1, seqC + 1 + req.length, 0x11) },
    { ts: t0 + 0.005, data: mk(true, seqC + 1 + req.length, seqS + 2, 0x11) },
  ];
}
