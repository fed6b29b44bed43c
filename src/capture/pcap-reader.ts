/**
 * Streaming readers for classic pcap and pcapng captures.
 *
 * The reader is push-based: feed it chunks with `push()` and it calls `onPacket` synchronously
 * for every complete record, handing out a view (subarray) into its buffer that is only valid
 * during the callback. Memory stays bounded by the largest record plus one chunk.
 *
 * Problems are reported with their position (packet number, counted from 1 over every packet
 * record of the file, and the record's byte offset): a structural error stops the reading
 * (`onError`); a packet with an impossible timestamp is skipped and a link type the engine
 * cannot decode is named once (`onNotice`), and reading goes on.
 */
import { describeLinkType, isSupportedLinkType } from './decode.js';
import { isPlausiblePacketTime, PLAUSIBLE_PACKET_TIME } from './time-bounds.js';

/** Called once per packet. `data` is only valid during the call. */
export type PacketCallback = (linkType: number, ts: number, data: Buffer, origLen: number) => void;

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

// pcapng block types.
const BT_IDB = 0x00000001;
const BT_OBSOLETE_PB = 0x00000002;
const BT_SPB = 0x00000003;
const BT_EPB = 0x00000006;

/** Records larger than this are treated as corruption rather than buffered forever. */
const MAX_RECORD = 256 * 1024 * 1024;

interface PcapngInterface {
  linkType: number;
  /** timestamp units per second */
  unitsPerSec: number;
  snapLen: number;
  /** if_tsoffset, seconds added to every timestamp */
  tsOffset: number;
  /** the if_tsresol byte as written, for messages (-1 when absent) */
  tsresolByte: number;
}

type Format = 'unknown' | 'pcap' | 'pcapng';

export class CaptureReader {
  private buf: Buffer = Buffer.alloc(0);
  private format: Format = 'unknown';
  private le = true;
  private nanos = false;
  private pcapLinkType = 1;
  private interfaces: PcapngInterface[] = [];
  private failed = false;
  /** file offset of `buf[0]` */
  private consumed = 0;
  private readonly linkTypesNamed = new Set<number>();
  /** packet records met, handed on or skipped (the number of the last one) */
  records = 0;
  /** packets handed to the callback */
  packets = 0;
  /** packets skipped for an impossible timestamp */
  skipped = 0;
  /** captured bytes handed to the callback */
  bytes = 0;

  constructor(
    private readonly onPacket: PacketCallback,
    private readonly onError: (msg: string) => void = () => {},
    private readonly onNotice: (msg: string) => void = () => {},
  ) {}

  /** Consumes one chunk of the capture. Returns false once the input is known to be unusable. */
  push(chunk: Buffer): boolean {
    if (this.failed) return false;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let off = 0;
    try {
      off = this.parse();
    } catch (e) {
      this.fail(e instanceof Error ? e.message : String(e));
      return false;
    }
    // Keep only the unparsed tail; copy it so the (possibly large) chunk can be collected.
    this.consumed += off;
    this.buf = off >= this.buf.length ? Buffer.alloc(0) : Buffer.from(this.buf.subarray(off));
    return !this.failed;
  }

  /** Signals end of input; reports a truncated trailing record. */
  end(): void {
    if (this.failed) return;
    if (this.format === 'unknown') {
      this.fail(this.buf.length === 0 ? 'empty capture file' : 'truncated capture file header');
    } else if (this.buf.length > 0) {
      this.fail(`${this.where(0)}: truncated capture: ${this.buf.length} trailing bytes do not form a complete record`);
    }
  }

  /**
   * Position of the record starting at `off` in the buffer, as "packet N at byte offset O"
   * (the packet it is or would be); for a pcapng block that holds no packet, "block at byte offset
   * O (after packet N)".
   */
  private where(off: number, isPacket = true): string {
    const at = `byte offset ${this.consumed + off}`;
    if (!isPacket) return `block at ${at} (after packet ${this.records})`;
    return `packet ${this.records + 1} at ${at}`;
  }

  private checkLinkType(linkType: number): void {
    if (isSupportedLinkType(linkType) || this.linkTypesNamed.has(linkType)) return;
    this.linkTypesNamed.add(linkType);
    this.onNotice(`unsupported link type ${describeLinkType(linkType)}: its packets cannot be decoded and are not analysed`);
  }

  /** Hands a packet on, or skips it (with a notice) when its time cannot be real. */
  private emit(recordOff: number, linkType: number, ts: number, data: Buffer, origLen: number, detail: string): void {
    if (!isPlausiblePacketTime(ts)) {
      this.onNotice(`${this.where(recordOff)}: impossible timestamp ${ts} (not ${PLAUSIBLE_PACKET_TIME.description}${detail}); packet skipped`);
      this.records++;
      this.skipped++;
      return;
    }
    this.records++;
    this.packets++;
    this.bytes += data.length;
    this.onPacket(linkType, ts, data, origLen);
  }

  private fail(msg: string): void {
    if (this.failed) return;
    this.failed = true;
    this.onError(msg);
  }

  /** Parses as much as possible; returns the offset of the first unconsumed byte. */
  private parse(): number {
    let off = 0;
    if (this.format === 'unknown') {
      if (this.buf.length < 4) return 0;
      const magicBE = this.buf.readUInt32BE(0);
      const magicLE = this.buf.readUInt32LE(0);
      if (magicBE === PCAPNG_SHB) {
        this.format = 'pcapng';
      } else if (magicLE === PCAP_MAGIC_US || magicLE === PCAP_MAGIC_NS) {
        this.format = 'pcap';
        this.le = true;
        this.nanos = magicLE === PCAP_MAGIC_NS;
      } else if (magicBE === PCAP_MAGIC_US || magicBE === PCAP_MAGIC_NS) {
        this.format = 'pcap';
        this.le = false;
        this.nanos = magicBE === PCAP_MAGIC_NS;
      } else {
        throw new Error(`unknown capture file format (magic 0x${magicBE.toString(16).padStart(8, '0')})`);
      }
      if (this.format === 'pcap') {
        if (this.buf.length < 24) {
          this.format = 'unknown';
          return 0;
        }
        this.pcapLinkType = (this.le ? this.buf.readUInt32LE(20) : this.buf.readUInt32BE(20)) & 0x0fffffff;
        this.checkLinkType(this.pcapLinkType);
        off = 24;
      }
    }
    return this.format === 'pcap' ? this.parsePcap(off) : this.parsePcapng(off);
  }

  private parsePcap(start: number): number {
    const buf = this.buf;
    const le = this.le;
    let off = start;
    while (off + 16 <= buf.length) {
      const sec = le ? buf.readUInt32LE(off) : buf.readUInt32BE(off);
      const frac = le ? buf.readUInt32LE(off + 4) : buf.readUInt32BE(off + 4);
      const capLen = le ? buf.readUInt32LE(off + 8) : buf.readUInt32BE(off + 8);
      const origLen = le ? buf.readUInt32LE(off + 12) : buf.readUInt32BE(off + 12);
      if (capLen > MAX_RECORD) throw new Error(`${this.where(off)}: corrupt pcap record: caplen ${capLen}`);
      if (off + 16 + capLen > buf.length) break;
      const data = buf.subarray(off + 16, off + 16 + capLen);
      // As libpcap hands timestamps to Zeek: microseconds (nanoseconds truncated), then
      // seconds + microseconds / 1e6 as doubles. Same rounding as Zeek, hence same durations.
      const usec = this.nanos ? Math.floor(frac / 1000) : frac;
      this.emit(off, this.pcapLinkType, sec + usec / 1e6, data, origLen, '');
      off += 16 + capLen;
    }
    return off;
  }

  private u32(off: number): number {
    return this.le ? this.buf.readUInt32LE(off) : this.buf.readUInt32BE(off);
  }

  private u16(off: number): number {
    return this.le ? this.buf.readUInt16LE(off) : this.buf.readUInt16BE(off);
  }

  private parsePcapng(start: number): number {
    const buf = this.buf;
    let off = start;
    while (off + 12 <= buf.length) {
      const typeBE = buf.readUInt32BE(off);
      if (typeBE === PCAPNG_SHB) {
        // A section header resets byte order and the interface table.
        const bom = buf.readUInt32LE(off + 8);
        if (bom === PCAPNG_BYTE_ORDER_MAGIC) this.le = true;
        else if (buf.readUInt32BE(off + 8) === PCAPNG_BYTE_ORDER_MAGIC) this.le = false;
        else throw new Error(`${this.where(off, false)}: corrupt pcapng section header (byte-order magic)`);
        this.interfaces = [];
      }
      const type = this.u32(off);
      const len = this.u32(off + 4);
      const isPacket = type === BT_EPB || type === BT_OBSOLETE_PB || type === BT_SPB;
      if (len < 12 || len % 4 !== 0 || len > MAX_RECORD) throw new Error(`${this.where(off, isPacket)}: corrupt pcapng block length ${len}`);
      if (off + len > buf.length) break;
      const body = off + 8;
      const bodyEnd = off + len - 4;
      switch (type) {
        case BT_IDB:
          this.readInterface(body, bodyEnd);
          break;
        case BT_EPB:
        case BT_OBSOLETE_PB: {
          const ifId = type === BT_EPB ? this.u32(body) : this.u16(body);
          const tsHigh = this.u32(body + 4);
          const tsLow = this.u32(body + 8);
          const capLen = this.u32(body + 12);
          const origLen = this.u32(body + 16);
          const dataOff = body + 20;
          if (dataOff + capLen > bodyEnd) throw new Error(`${this.where(off)}: corrupt pcapng packet block (caplen ${capLen})`);
          const itf = this.interfaces[ifId];
          if (!itf) throw new Error(`${this.where(off)}: pcapng packet for undeclared interface ${ifId}`);
          this.emitNg(off, ifId, itf, tsHigh, tsLow, buf.subarray(dataOff, dataOff + capLen), origLen);
          break;
        }
        case BT_SPB: {
          const itf = this.interfaces[0];
          if (!itf) throw new Error(`${this.where(off)}: pcapng simple packet block without interface`);
          const origLen = this.u32(body);
          let capLen = Math.min(origLen, bodyEnd - (body + 4));
          if (itf.snapLen > 0) capLen = Math.min(capLen, itf.snapLen);
          // SPBs carry no timestamp.
          this.emit(off, itf.linkType, 0, buf.subarray(body + 4, body + 4 + capLen), origLen, '');
          break;
        }
        default:
          // SHB (handled above), NRB, ISB, DSB, custom blocks: nothing needed.
          break;
      }
      off += len;
    }
    return off;
  }

  private readInterface(body: number, bodyEnd: number): void {
    const itf: PcapngInterface = {
      linkType: this.u16(body),
      snapLen: this.u32(body + 4),
      unitsPerSec: 1e6,
      tsOffset: 0,
      tsresolByte: -1,
    };
    let o = body + 8;
    while (o + 4 <= bodyEnd) {
      const code = this.u16(o);
      const olen = this.u16(o + 2);
      if (code === 0) break;
      const v = o + 4;
      if (code === 9 && olen >= 1) {
        const r = this.buf[v]!;
        itf.tsresolByte = r;
        itf.unitsPerSec = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
      } else if (code === 14 && olen >= 8) {
        const hi = this.u32(this.le ? v + 4 : v);
        const lo = this.u32(this.le ? v : v + 4);
        // A signed 64-bit count of seconds, as libpcap reads it.
        itf.tsOffset = (hi >= 0x80000000 ? hi - 4294967296 : hi) * 4294967296 + lo;
      }
      o = v + ((olen + 3) & ~3);
    }
    this.checkLinkType(itf.linkType);
    this.interfaces.push(itf);
  }

  private emitNg(recordOff: number, ifId: number, itf: PcapngInterface, tsHigh: number, tsLow: number, data: Buffer, origLen: number): void {
    // libpcap converts every resolution to seconds + microseconds (truncating finer units);
    // Zeek then computes sec + usec / 1e6. Doing the same keeps durations identical.
    let sec: number;
    let usec: number;
    const units = itf.unitsPerSec;
    if (units <= 1e6 && Number.isInteger(units)) {
      // Exact in a double: 2^53 microseconds is ~285 years.
      const raw = tsHigh * 4294967296 + tsLow;
      sec = Math.floor(raw / units);
      usec = Math.floor(((raw - sec * units) * 1e6) / units);
    } else {
      const raw = (BigInt(tsHigh) << 32n) | BigInt(tsLow);
      const bu = BigInt(Math.round(units));
      const s = raw / bu;
      sec = Number(s);
      usec = Number(((raw - s * bu) * 1000000n) / bu);
    }
    const ts = sec + itf.tsOffset + usec / 1e6;
    if (isPlausiblePacketTime(ts)) {
      this.emit(recordOff, itf.linkType, ts, data, origLen, '');
      return;
    }
    let detail = `; interface ${ifId}`;
    if (itf.tsresolByte >= 0) detail += `, if_tsresol ${itf.tsresolByte} (${itf.unitsPerSec} units/s)`;
    if (itf.tsOffset !== 0) detail += `, if_tsoffset ${itf.tsOffset} s`;
    this.emit(recordOff, itf.linkType, ts, data, origLen, detail);
  }
}
