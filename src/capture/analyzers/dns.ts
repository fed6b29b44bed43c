/**
 * DNS over UDP and TCP into dns.log records, with the matching rules of Zeek's DNS scripts:
 * queries and replies are paired per transaction id through FIFO queues; a pair is logged when
 * the second half arrives, leftovers when the connection goes away. AA, RA and rtt come from
 * the first record of the answer section; a reply without any records is "rejected".
 */
import { formatIPv4, formatIPv6 } from '../decode.js';
import { DNS_OPCODES, qclassName, qtypeName, rcodeName } from './dns-names.js';
import { BoundedBuffer, connId, type AppAnalyzer, type AppContext } from './framework.js';

export interface DnsQuestion {
  name: string;
  type: number;
  cls: number;
}

export interface DnsRecord {
  name: string;
  type: number;
  cls: number;
  ttl: number;
  /** the text Zeek logs in `answers` ('' when it logs nothing) */
  text: string;
}

export interface DnsMessage {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  z: number;
  rcode: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  /** set when the message ended early or had inconsistent lengths */
  malformed: string | null;
}

const MAX_RECORDS = 512;

/** Reads a (possibly compressed) domain name. Returns [name, offset after] or null. */
export function readName(buf: Buffer, off: number): [string, number] | null {
  const labels: string[] = [];
  let pos = off;
  let after = -1;
  let jumps = 0;
  let total = 0;
  for (;;) {
    if (pos >= buf.length) return null;
    const len = buf[pos]!;
    if (len === 0) {
      pos++;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= buf.length) return null;
      const ptr = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (after < 0) after = pos + 2;
      if (++jumps > 64 || ptr >= buf.length) return null;
      pos = ptr;
      continue;
    }
    if (kind !== 0) return null; // extended label types are not used on the wire
    if (pos + 1 + len > buf.length) return null;
    total += len + 1;
    if (total > 1024) return null;
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  // Zeek lowercases every name it extracts
  return [labels.join('.').toLowerCase(), after >= 0 ? after : pos];
}

/** Renders one resource record the way Zeek's DNS scripts put it in `answers`. */
function rdataText(buf: Buffer, type: number, name: string, off: number, len: number): string {
  const end = off + len;
  const nameAt = (o: number): string => readName(buf, o)?.[0] ?? '';
  switch (type) {
    case 1:
      return len === 4 ? formatIPv4(buf, off) : '<unknown type=1>';
    case 28:
      return len === 16 ? formatIPv6(buf, off) : '<unknown type=28>';
    case 2:
    case 5:
    case 12:
    case 39:
      return nameAt(off);
    case 6:
      return nameAt(off); // SOA: mname
    case 15:
      return len >= 3 ? nameAt(off + 2) : '';
    case 33:
      return len >= 7 ? nameAt(off + 6) : '';
    case 16:
    case 99: {
      const parts: string[] = [];
      let o = off;
      while (o < end) {
        const l = buf[o]!;
        const s = buf.toString('latin1', o + 1, Math.min(o + 1 + l, end));
        parts.push(`${type === 16 ? 'TXT' : 'SPF'} ${s.length} ${s}`);
        o += 1 + l;
      }
      return parts.join(' ');
    }
    case 46: {
      if (len < 18) return '';
      const covered = buf.readUInt16BE(off);
      return `RRSIG ${covered} ${nameAt(off + 18)}`;
    }
    case 48:
      return len >= 4 ? `DNSKEY ${buf[off + 3]}` : '';
    case 43:
      return len >= 4 ? `DS ${buf[off + 2]} ${buf[off + 3]}` : '';
    case 47:
      return `NSEC ${name} ${nameAt(off)}`;
    case 50:
      return 'NSEC3';
    case 51:
      return 'NSEC3PARAM';
    case 257: {
      if (len < 2) return '';
      const tagLen = buf[off + 1]!;
      const tag = buf.toString('latin1', off + 2, Math.min(off + 2 + tagLen, end));
      const value = buf.toString('latin1', Math.min(off + 2 + tagLen, end), end);
      return `CAA ${buf[off]} ${tag} ${value}`;
    }
    case 44:
      return len >= 2 ? `SSHFP: ${buf.toString('hex', off + 2, end)}` : '';
    default:
      return `<unknown type=${type}>`;
  }
}

/** Parses a DNS message. Returns null when even the header is missing. */
export function parseDnsMessage(buf: Buffer): DnsMessage | null {
  if (buf.length < 12) return null;
  const flags = buf.readUInt16BE(2);
  const msg: DnsMessage = {
    id: buf.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    z: (flags >> 4) & 0x7,
    rcode: flags & 0xf,
    qdcount: buf.readUInt16BE(4),
    ancount: buf.readUInt16BE(6),
    nscount: buf.readUInt16BE(8),
    arcount: buf.readUInt16BE(10),
    questions: [],
    answers: [],
    malformed: null,
  };
  let off = 12;
  for (let i = 0; i < msg.qdcount && i < MAX_RECORDS; i++) {
    const n = readName(buf, off);
    if (!n || n[1] + 4 > buf.length) {
      msg.malformed = 'DNS_truncated_quest_too_short';
      return msg;
    }
    // Zeek lowercases question names (the answers keep their case)
    msg.questions.push({ name: n[0].toLowerCase(), type: buf.readUInt16BE(n[1]), cls: buf.readUInt16BE(n[1] + 2) });
    off = n[1] + 4;
  }
  for (let i = 0; i < msg.ancount && i < MAX_RECORDS; i++) {
    const n = readName(buf, off);
    if (!n || n[1] + 10 > buf.length) {
      msg.malformed = 'DNS_truncated_ans_too_short';
      return msg;
    }
    const p = n[1];
    const type = buf.readUInt16BE(p);
    const cls = buf.readUInt16BE(p + 2);
    const ttl = buf.readUInt32BE(p + 4);
    const rdlen = buf.readUInt16BE(p + 8);
    if (p + 10 + rdlen > buf.length) {
      msg.malformed = 'DNS_truncated_RR_rdlength_lt_len';
      return msg;
    }
    msg.answers.push({ name: n[0], type, cls, ttl, text: rdataText(buf, type, n[0], p + 10, rdlen) });
    off = p + 10 + rdlen;
  }
  return msg;
}

/** NetBIOS first-level name decoding (RFC 1001): 32 letters into 16 bytes, type byte dropped. */
export function decodeNetbiosName(name: string): string {
  const label = (name.split('.')[0] ?? '').toUpperCase();
  if (label.length !== 32) return name;
  let out = '';
  for (let i = 0; i < 30; i += 2) {
    const hi = label.charCodeAt(i) - 0x41;
    const lo = label.charCodeAt(i + 1) - 0x41;
    if (hi < 0 || hi > 15 || lo < 0 || lo > 15) return name;
    out += String.fromCharCode((hi << 4) | lo);
  }
  return out.replace(/[ \0]+$/, '');
}

/** One dns.log row under construction (Zeek's DNS::Info). */
interface DnsInfo {
  ts: number;
  transId: number;
  query?: string;
  qclass?: number;
  qtype?: number;
  qtypeName?: string;
  rcode?: number;
  AA: boolean;
  TC: boolean;
  RD: boolean;
  RA: boolean;
  Z: number;
  answers?: string[];
  TTLs?: number[];
  rejected: boolean;
  rtt?: number;
  opcode?: number;
  sawQuery: boolean;
  sawReply: boolean;
}

/** pending infos per transaction id; bounded per connection */
const MAX_PENDING = 1000;
const MAX_ANSWERS = 256;

export class DnsAnalyzer implements AppAnalyzer {
  readonly name = 'dns';
  private readonly pendingQueries = new Map<number, DnsInfo[]>();
  private readonly pendingReplies = new Map<number, DnsInfo[]>();
  private pendingCount = 0;
  private confirmed = false;
  private readonly tcpBuf: [BoundedBuffer | null, BoundedBuffer | null] = [null, null];
  private failures = 0;

  constructor(
    private readonly ctx: AppContext,
    private readonly proto: 'udp' | 'tcp',
  ) {}

  private first = true;

  packet(isOrig: boolean, data: Buffer, ts: number): void {
    // Zeek's DNS analyzer: when the very first message is a reply sent by the originator,
    // the originator was really the server: flip.
    // Announcements to multicast groups (mDNS, LLMNR) stay as they are.
    if (this.first && isOrig && this.proto === 'udp' && data.length >= 12 && (data[2]! & 0x80) !== 0 && !isGroupAddress(this.ctx.conn.respH)) {
      this.ctx.conn.flipRoles();
    }
    this.first = false;
    this.message(data, ts);
  }

  stream(isOrig: boolean, data: Buffer): void {
    const i = isOrig ? 0 : 1;
    let b = this.tcpBuf[i];
    if (!b) b = this.tcpBuf[i] = new BoundedBuffer(65537);
    let rest = data;
    while (rest.length > 0) {
      const room = b.cap - b.length;
      const take = rest.subarray(0, room);
      b.append(take);
      rest = rest.subarray(take.length);
      for (;;) {
        const v = b.view();
        if (v.length < 2) break;
        const len = v.readUInt16BE(0);
        if (v.length < 2 + len) break;
        this.message(v.subarray(2, 2 + len), this.ctx.conn.now());
        b.consume(2 + len);
      }
    }
  }

  gap(isOrig: boolean): void {
    // lost bytes break the length framing: start again at the next segment
    this.tcpBuf[isOrig ? 0 : 1]?.clear();
  }

  private message(data: Buffer, ts: number): void {
    const msg = parseDnsMessage(data);
    if (!msg) {
      this.ctx.weird('DNS_truncated_len_lt_hdr_len', undefined, 'DNS');
      if (!this.confirmed && ++this.failures > 2) this.ctx.violation(this, 'bad DNS header');
      return;
    }
    if (msg.malformed) this.ctx.weird(msg.malformed, undefined, 'DNS');
    if (!this.confirmed) {
      this.confirmed = true;
      this.ctx.confirm(this);
    }
    const isQuery = !msg.qr;
    const info = this.session(msg.id, isQuery, ts);
    if (!isQuery) {
      info.rcode = msg.rcode;
    }
    const q = msg.questions[0];
    if (isQuery) {
      if (q) {
        info.RD = msg.rd;
        info.TC = msg.tc;
        info.qclass = q.cls;
        info.qtype = q.type;
        info.qtypeName = qtypeName(q.type);
        info.Z = msg.z;
        let name = q.name;
        if (this.ctx.conn.respP === 137) {
          name = decodeNetbiosName(name);
          if (q.type === 33) info.qtypeName = 'NBSTAT';
        }
        info.query = name;
      }
    } else if (q && msg.ancount === 0 && msg.nscount === 0 && msg.arcount === 0) {
      info.rejected = true;
    }
    if (msg.opcode !== 0 || info.opcode === undefined) info.opcode = msg.opcode;
    if (!isQuery && msg.opcode === 0) {
      for (const a of msg.answers) {
        info.AA = msg.aa;
        info.RA = msg.ra;
        if (info.rtt === undefined) {
          const rtt = ts - info.ts;
          if (rtt !== 0) info.rtt = rtt;
        }
        // a reply names its query through the answers' owner name
        if (info.query === undefined) info.query = a.name;
        if (a.text !== '') {
          if (!info.answers) {
            info.answers = [];
            info.TTLs = [];
          }
          if (info.answers.length < MAX_ANSWERS) {
            info.answers.push(a.text);
            info.TTLs!.push(a.ttl);
          }
        }
      }
    }
    if (isQuery) info.sawQuery = true;
    else info.sawReply = true;
    if (info.sawQuery && info.sawReply) {
      this.log(info);
      this.current = null;
    }
  }

  private current: DnsInfo | null = null;

  /** Zeek's DNS::set_session: pair with the head of the other side's queue or start a new info. */
  private session(id: number, isQuery: boolean, ts: number): DnsInfo {
    const other = isQuery ? this.pendingReplies : this.pendingQueries;
    const q = other.get(id);
    if (q && q.length > 0) {
      const info = q.shift()!;
      if (q.length === 0) other.delete(id);
      this.pendingCount--;
      this.current = info;
      return info;
    }
    const info: DnsInfo = {
      ts,
      transId: id,
      AA: false,
      TC: false,
      RD: false,
      RA: false,
      Z: 0,
      rejected: false,
      sawQuery: false,
      sawReply: false,
    };
    if (this.pendingCount >= MAX_PENDING) this.flushOldest();
    const mine = isQuery ? this.pendingQueries : this.pendingReplies;
    let list = mine.get(id);
    if (!list) mine.set(id, (list = []));
    list.push(info);
    this.pendingCount++;
    this.current = info;
    return info;
  }

  private flushOldest(): void {
    for (const m of [this.pendingQueries, this.pendingReplies]) {
      for (const [id, list] of m) {
        const info = list.shift();
        if (list.length === 0) m.delete(id);
        if (info) {
          this.pendingCount--;
          this.log(info);
          return;
        }
      }
    }
  }

  private log(info: DnsInfo): void {
    // A paired info is still in no queue; a leftover was removed from its queue by the caller.
    const rec: Record<string, unknown> = {
      ts: info.ts,
      uid: this.ctx.conn.uid,
      ...connId(this.ctx.conn),
      proto: this.proto,
      trans_id: info.transId,
    };
    if (info.rtt !== undefined) rec.rtt = info.rtt;
    if (info.query !== undefined) rec.query = info.query;
    if (info.qclass !== undefined) {
      rec.qclass = info.qclass;
      rec.qclass_name = qclassName(info.qclass);
    }
    if (info.qtype !== undefined) {
      rec.qtype = info.qtype;
      rec.qtype_name = info.qtypeName;
    }
    if (info.rcode !== undefined) {
      rec.rcode = info.rcode;
      rec.rcode_name = rcodeName(info.rcode);
    }
    rec.AA = info.AA;
    rec.TC = info.TC;
    rec.RD = info.RD;
    rec.RA = info.RA;
    rec.Z = info.Z;
    if (info.answers) {
      rec.answers = info.answers;
      rec.TTLs = info.TTLs;
    }
    rec.rejected = info.rejected;
    // Zeek 9 columns (8.0 has none); harmless extra keys for 8.0-style output
    if (info.opcode !== undefined) {
      rec.opcode = info.opcode;
      rec.opcode_name = DNS_OPCODES[info.opcode] ?? `opcode-${info.opcode}`;
    }
    this.ctx.conn.emit('dns', rec);
  }

  end(): void {
    for (const m of [this.pendingQueries, this.pendingReplies]) {
      for (const list of m.values()) for (const info of list) this.log(info);
      m.clear();
    }
    this.pendingCount = 0;
  }
}

/** multicast or limited-broadcast destination (replies sent there are announcements) */
function isGroupAddress(a: string): boolean {
  if (a.includes(':')) return a.toLowerCase().startsWith('ff');
  const first = Number(a.slice(0, a.indexOf('.')));
  return (first >= 224 && first <= 239) || a === '255.255.255.255';
}
