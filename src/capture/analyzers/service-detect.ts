/**
 * Analyzers that only decide conn.log's `service` (their own logs are not written): each
 * confirms its protocol by the rule of Zeek's analyzer for it, and reports a violation (which
 * detaches it) where Zeek's parser would fail.
 *
 * - modbus (TCP 502): a whole Modbus/TCP PDU, MBAP header length included, from either side
 *   (modbus-analyzer.pac deliver_ModbusTCP_PDU); a length field under 2 cannot hold the unit id
 *   and function code, and a protocol identifier other than 0 (Modbus/TCP's only one) is a
 *   violation: Zeek 8's baseline for non-Modbus traffic on port 502 leaves five connections whose
 *   replies are complete MBAP frames with a non-zero protocol id without the service.
 * - dce_rpc (TCP 135, and DPD on any port): a whole PDU, i.e. a version-5 header and all of its
 *   frag_length bytes (dce_rpc-analyzer.pac proc_dce_rpc_pdu).
 * - smb (TCP 139, 445, and DPD): the third chunk delivered after the stream synchronised on a
 *   chunk with an SMB1/SMB2 header at offset 4 (SMB.cc DeliverStream).
 * - rdp (TCP 3389, and DPD): the client's MCS Connect-Initial carrying client core data, or the
 *   server's MCS Connect-Response (rdp-analyzer.pac confirms on client core data, the GCC server
 *   create response and server security data, all inside those two PDUs).
 * - snmp (UDP 161, 162): a message from the responder whose header parses: an ASN.1 SEQUENCE
 *   starting with an INTEGER version (snmp-analyzer.pac proc_header).
 * - ntp (UDP 123): a 48-byte header with version 1-4 and a non-zero mode.
 */
import type { AppAnalyzer, AppContext } from './framework.js';

/**
 * Walks length-prefixed frames of one direction without keeping their bodies: collects a
 * header of `headerLen` bytes, asks `frameLen` for the whole frame's length (or -1 when the
 * header is impossible), then skips the rest of the frame.
 */
class FrameWalker {
  private readonly header: Buffer;
  private have = 0;
  private skip = 0;

  constructor(
    private readonly headerLen: number,
    private readonly frameLen: (header: Buffer) => number,
  ) {
    this.header = Buffer.alloc(headerLen);
  }

  /** Feeds data; calls `onFrame` per complete frame. Returns false on an impossible header. */
  feed(data: Buffer, onFrame: (header: Buffer) => void): boolean {
    let o = 0;
    while (o < data.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, data.length - o);
        this.skip -= n;
        o += n;
        if (this.skip === 0) onFrame(this.header);
        continue;
      }
      const n = Math.min(this.headerLen - this.have, data.length - o);
      data.copy(this.header, this.have, o, o + n);
      this.have += n;
      o += n;
      if (this.have < this.headerLen) break;
      const total = this.frameLen(this.header);
      if (total < this.headerLen) return false;
      this.have = 0;
      this.skip = total - this.headerLen;
      if (this.skip === 0) onFrame(this.header);
    }
    return true;
  }
}

/** Base of the TCP analyzers here: one walker per direction, confirm once, detach on violation. */
abstract class FramedServiceAnalyzer implements AppAnalyzer {
  abstract readonly name: string;
  protected confirmed = false;
  private detached = false;
  private readonly walkers: [FrameWalker, FrameWalker];

  constructor(protected readonly ctx: AppContext, headerLen: number, frameLen: (header: Buffer) => number) {
    this.walkers = [new FrameWalker(headerLen, frameLen), new FrameWalker(headerLen, frameLen)];
  }

  /** A complete frame arrived from one side. */
  protected abstract frame(isOrig: boolean, header: Buffer): void;

  stream(isOrig: boolean, data: Buffer): void {
    if (this.detached) return;
    const ok = this.walkers[isOrig ? 0 : 1].feed(data, (h) => this.frame(isOrig, h));
    if (!ok) this.violate(`not ${this.name}`);
  }

  /** A content gap: the frame boundaries are lost, nothing more is parsed (as binpac gives up). */
  gap(): void {
    this.detached = true;
  }

  protected confirm(): void {
    if (this.confirmed) return;
    this.confirmed = true;
    this.ctx.confirm(this);
  }

  protected violate(reason: string): void {
    if (this.detached) return;
    this.detached = true;
    this.ctx.violation(this, reason);
  }

  end(): void {}
}

export class ModbusAnalyzer extends FramedServiceAnalyzer {
  readonly name = 'modbus';
  constructor(ctx: AppContext) {
    // MBAP: transaction id, protocol id, length (of everything after it), unit id, function code.
    super(ctx, 8, (h) => {
      const len = h.readUInt16BE(4);
      return len < 2 || h.readUInt16BE(2) !== 0 ? -1 : len + 6;
    });
  }
  protected frame(): void {
    this.confirm();
  }
}

export class DceRpcAnalyzer extends FramedServiceAnalyzer {
  readonly name = 'dce_rpc';
  constructor(ctx: AppContext) {
    // Connection-oriented PDU header: version 5, minor 0/1, type, flags, data representation
    // (its first byte's 0x10 bit says little-endian), frag_length, auth_length, call id.
    super(ctx, 16, (h) => {
      if (h[0] !== 5 || h[1]! > 1) return -1;
      const len = h[4]! & 0x10 ? h.readUInt16LE(8) : h.readUInt16BE(8);
      return len < 16 ? -1 : len;
    });
  }
  protected frame(): void {
    this.confirm();
  }
}

/** Zeek's DPD signature for DCE-RPC (dce-rpc/dpd.sig): a version-5 PDU of a known type. */
export function looksLikeDceRpc(b: Buffer): boolean {
  return b.length >= 4 && b[0] === 5 && b[1]! <= 1 && b[2]! <= 0x13 && b[3] === 3;
}

export class SmbAnalyzer implements AppAnalyzer {
  readonly name = 'smb';
  private synced = false;
  private chunks = 0;
  constructor(private readonly ctx: AppContext) {}
  stream(_isOrig: boolean, data: Buffer): void {
    if (!this.synced) {
      if (!hasSmbHeader(data)) return;
      this.synced = true;
    }
    if (++this.chunks === 3) this.ctx.confirm(this);
  }
  gap(): void {
    // SMB.cc: a gap needs a new synchronisation on an SMB header.
    this.synced = false;
  }
  end(): void {}
}

/** An SMB1 (\xffSMB) or SMB2/3 (\xfeSMB) header after the 4-byte NetBIOS session header. */
export function hasSmbHeader(b: Buffer): boolean {
  return b.length >= 8 && (b[4] === 0xff || b[4] === 0xfe) && b[5] === 0x53 && b[6] === 0x4d && b[7] === 0x42;
}

export class RdpAnalyzer implements AppAnalyzer {
  readonly name = 'rdp';
  private confirmed = false;
  /** the start of each direction's stream, where the MCS connect PDUs are */
  private readonly head: [Buffer, Buffer] = [Buffer.alloc(0), Buffer.alloc(0)];
  constructor(private readonly ctx: AppContext) {}
  stream(isOrig: boolean, data: Buffer): void {
    const side = isOrig ? 0 : 1;
    const kept = this.head[side];
    if (this.confirmed || kept.length >= RDP_HEAD) return;
    const head = Buffer.concat([kept, data.subarray(0, RDP_HEAD - kept.length)]);
    this.head[side] = head;
    if (findMcs(head, isOrig)) {
      this.confirmed = true;
      this.ctx.confirm(this);
    }
  }
  end(): void {}
}

/** bytes of each direction's stream searched for the MCS connect PDUs */
const RDP_HEAD = 2048;

/**
 * In the first TPKT frames (version 3) of a direction: an X.224 data TPDU (length indicator 2, code 0xf0)
 * with MCS Connect-Initial (BER application tag 101: 7f 65) from the client, holding the client
 * core data block (type 0xc001), or MCS Connect-Response (7f 66) from the server.
 */
function findMcs(b: Buffer, isOrig: boolean): boolean {
  let o = 0;
  while (o + 9 <= b.length && b[o] === 3) {
    const len = b.readUInt16BE(o + 2);
    if (len < 7) return false;
    if (b[o + 4] === 2 && b[o + 5] === 0xf0 && b[o + 7] === 0x7f) {
      const tag = b[o + 8];
      if (!isOrig && tag === 0x66) return true;
      if (isOrig && tag === 0x65) return b.subarray(o, o + len).includes(CLIENT_CORE_DATA);
    }
    o += len;
  }
  return false;
}

const CLIENT_CORE_DATA = Buffer.from([0x01, 0xc0]);

/** RDP's DPD signatures (rdp/dpd.sig): the client's cookie or channel names, the server's X.224 answer. */
export function rdpClientSignature(b: Buffer): boolean {
  const s = b.toString('latin1');
  return s.includes('Cookie: mstshash=') || /Duca[^]*(rdpdr|rdpsnd|drdynvc|cliprdr)/.test(s);
}

export function rdpServerSignature(b: Buffer): boolean {
  return (b.length >= 6 && b[5] === 0xd0) || b.toString('latin1').includes('McDn');
}

export class SnmpAnalyzer implements AppAnalyzer {
  readonly name = 'snmp';
  private confirmed = false;
  constructor(private readonly ctx: AppContext) {}
  packet(isOrig: boolean, data: Buffer): void {
    if (this.confirmed) return;
    if (!snmpHeader(data)) {
      this.ctx.violation(this, 'not SNMP');
      return;
    }
    if (!isOrig) {
      this.confirmed = true;
      this.ctx.confirm(this);
    }
  }
  end(): void {}
}

/** An ASN.1 SEQUENCE (definite length) whose first element is an INTEGER (the version). */
function snmpHeader(b: Buffer): boolean {
  if (b.length < 5 || b[0] !== 0x30) return false;
  let o = 2;
  const l = b[1]!;
  if (l & 0x80) {
    const n = l & 0x7f;
    if (n === 0 || n > 4) return false;
    o += n;
  }
  return o + 2 < b.length && b[o] === 0x02 && b[o + 1]! >= 1;
}

export class NtpAnalyzer implements AppAnalyzer {
  readonly name = 'ntp';
  private confirmed = false;
  private bad = 0;
  constructor(private readonly ctx: AppContext) {}
  packet(_isOrig: boolean, data: Buffer): void {
    if (this.confirmed) return;
    const version = data.length >= 48 ? (data[0]! >> 3) & 7 : 0;
    const mode = data.length >= 48 ? data[0]! & 7 : 0;
    if (version >= 1 && version <= 4 && mode !== 0) {
      this.confirmed = true;
      this.ctx.confirm(this);
    } else if (++this.bad > 2) this.ctx.violation(this, 'not NTP');
  }
  end(): void {}
}
