/**
 * DHCP into dhcp.log. Zeek logs a DHCP "conversation": every message with the same transaction
 * id (xid) seen within a short time, whatever connection carried it (client broadcasts, server
 * broadcasts and unicast replies are different UDP connections), is aggregated into one row:
 * `uids` lists the connections, `msg_types` the message types in arrival order.
 *
 * A row is written when its transaction goes quiet: first checked 10 s after the first message,
 * written if nothing arrived for 5 s or the transaction is older than 30 s, otherwise checked
 * again every 5 s; at the end of input every pending row is written. All on packet time.
 */
import type { ConnectionHandle } from '../analyzer.js';
import type { AppAnalyzer, AppContext, SharedState } from './framework.js';

const MESSAGE_TYPES = [
  '', 'DISCOVER', 'OFFER', 'REQUEST', 'DECLINE', 'ACK', 'NAK', 'RELEASE', 'INFORM', 'FORCERENEW',
  'LEASEQUERY', 'LEASEUNASSIGNED', 'LEASEUNKNOWN', 'LEASEACTIVE', 'BULKLEASEQUERY', 'LEASEQUERYDONE',
  'ACTIVELEASEQUERY', 'LEASEQUERYSTATUS', 'TLS',
];

/** first check of a transaction after its first message; then every RECHECK */
const FIRST_CHECK = 10;
const RECHECK = 5;
const QUIET = 5;
const MAX_WATCH = 30;
const MAX_UIDS = 10;
const MAX_MSG_TYPES = 50;
/** transactions kept at most (a DHCP flood must not grow memory without bound) */
const MAX_PENDING = 50_000;
const DHCP_MAGIC = 0x63825363;

interface Transaction {
  ts: number;
  last: number;
  checkAt: number;
  uids: string[];
  clientAddr?: string;
  serverAddr?: string;
  mac?: string;
  hostName?: string;
  clientFqdn?: string;
  domain?: string;
  requestedAddr?: string;
  assignedAddr?: string;
  leaseTime?: number;
  clientMessage?: string;
  serverMessage?: string;
  msgTypes: string[];
  clientChaddr?: string;
  /** a connection to write the row through (emit works after the connection's removal too) */
  handle: ConnectionHandle;
}

/** The cross-connection DHCP state of one engine run (kept in SharedState.dhcp). */
class DhcpJoin {
  readonly pending = new Map<number, Transaction>();
  liveConnections = 0;

  /** writes the transactions whose check time has come */
  expire(now: number): void {
    for (const [xid, t] of this.pending) {
      if (t.checkAt > now) continue;
      if (now - t.last > QUIET || now - t.ts > MAX_WATCH) {
        this.write(t);
        this.pending.delete(xid);
      } else t.checkAt = now + RECHECK;
    }
  }

  flushAll(): void {
    for (const t of this.pending.values()) this.write(t);
    this.pending.clear();
  }

  write(t: Transaction): void {
    if (t.mac === undefined && t.clientChaddr !== undefined) t.mac = t.clientChaddr;
    const rec: Record<string, unknown> = { ts: t.ts, uids: t.uids };
    if (t.clientAddr !== undefined) rec.client_addr = t.clientAddr;
    if (t.serverAddr !== undefined) rec.server_addr = t.serverAddr;
    if (t.mac !== undefined) rec.mac = t.mac;
    if (t.hostName !== undefined) rec.host_name = t.hostName;
    if (t.clientFqdn !== undefined) rec.client_fqdn = t.clientFqdn;
    if (t.domain !== undefined) rec.domain = t.domain;
    if (t.requestedAddr !== undefined) rec.requested_addr = t.requestedAddr;
    if (t.assignedAddr !== undefined) rec.assigned_addr = t.assignedAddr;
    if (t.leaseTime !== undefined) rec.lease_time = t.leaseTime;
    if (t.clientMessage !== undefined) rec.client_message = t.clientMessage;
    if (t.serverMessage !== undefined) rec.server_message = t.serverMessage;
    rec.msg_types = t.msgTypes;
    rec.duration = t.last - t.ts;
    t.handle.emit('dhcp', rec);
  }
}

function joinOf(shared: SharedState): DhcpJoin {
  if (!(shared.dhcp instanceof DhcpJoin)) shared.dhcp = new DhcpJoin();
  return shared.dhcp as DhcpJoin;
}

const ipv4 = (b: Buffer, off: number): string => `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
const mac = (b: Buffer, off: number): string => {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push(b[off + i]!.toString(16).padStart(2, '0'));
  return parts.join(':');
};
/** option text as Zeek keeps it: the bytes, without trailing NULs */
const text = (b: Buffer): string => {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return b.toString('latin1', 0, end);
};

/** An RFC 1035 name in wire format (the Client FQDN option with the E flag), dotted. */
function wireName(b: Buffer): string {
  const labels: string[] = [];
  let off = 0;
  while (off < b.length) {
    const len = b[off]!;
    if (len === 0 || len > 63 || off + 1 + len > b.length) break;
    labels.push(b.toString('latin1', off + 1, off + 1 + len));
    off += 1 + len;
  }
  return labels.join('.');
}

export interface DhcpMessage {
  op: number;
  xid: number;
  yiaddr: string;
  chaddr: string;
  type: number;
  hostName?: string;
  clientFqdn?: string;
  domain?: string;
  requestedAddr?: string;
  leaseTime?: number;
  message?: string;
  clientIdMac?: string;
}

/** Parses a BOOTP/DHCP message; null when it is not DHCP (no magic cookie, no message type). */
export function parseDhcp(d: Buffer): DhcpMessage | null {
  if (d.length < 240 || d.readUInt32BE(236) !== DHCP_MAGIC) return null;
  const op = d[0]!;
  if (op !== 1 && op !== 2) return null;
  const m: DhcpMessage = { op, xid: d.readUInt32BE(4), yiaddr: ipv4(d, 16), chaddr: mac(d, 28), type: 0 };
  let off = 240;
  while (off < d.length) {
    const code = d[off]!;
    if (code === 255) break;
    if (code === 0) {
      off++;
      continue;
    }
    if (off + 2 > d.length) return null;
    const len = d[off + 1]!;
    const v = d.subarray(off + 2, off + 2 + len);
    if (v.length < len) return null;
    off += 2 + len;
    switch (code) {
      case 53:
        if (len >= 1) m.type = v[0]!;
        break;
      case 12:
        m.hostName = text(v);
        break;
      case 15:
        m.domain = text(v);
        break;
      case 50:
        if (len === 4) m.requestedAddr = ipv4(v, 0);
        break;
      case 51:
        if (len === 4) m.leaseTime = v.readUInt32BE(0);
        break;
      case 56:
        m.message = text(v);
        break;
      case 61:
        if (len === 7 && v[0] === 1) m.clientIdMac = mac(v, 1);
        break;
      case 81:
        // flags, rcode1, rcode2, then the name: wire format when the E flag (0x04) is set
        if (len >= 3) m.clientFqdn = (v[0]! & 0x04) !== 0 ? wireName(v.subarray(3)) : text(v.subarray(3));
        break;
      default:
        break;
    }
  }
  if (m.type <= 0 || m.type >= MESSAGE_TYPES.length) return null;
  return m;
}

export class DhcpAnalyzer implements AppAnalyzer {
  readonly name = 'dhcp';
  private readonly join: DhcpJoin;
  private confirmed = false;
  private bad = 0;
  private ended = false;

  constructor(private readonly ctx: AppContext) {
    this.join = joinOf(ctx.shared);
    this.join.liveConnections++;
  }

  packet(isOrig: boolean, data: Buffer, ts: number): void {
    const msg = parseDhcp(data);
    if (!msg) {
      if (!this.confirmed && ++this.bad > 2) {
        this.end(); // detached: end() would not be called
        this.ctx.violation(this, 'not DHCP');
      }
      return;
    }
    if (!this.confirmed) {
      this.confirmed = true;
      this.ctx.confirm(this);
    }
    const join = this.join;
    join.expire(ts);
    const c = this.ctx.conn;
    let t = join.pending.get(msg.xid);
    if (!t) {
      if (join.pending.size >= MAX_PENDING) join.flushAll();
      t = { ts, last: ts, checkAt: ts + FIRST_CHECK, uids: [c.uid], msgTypes: [], handle: c };
      join.pending.set(msg.xid, t);
    } else if (!t.uids.includes(c.uid)) t.uids.push(c.uid);
    t.msgTypes.push(MESSAGE_TYPES[msg.type]!);
    t.last = ts;
    // is_orig is also true for servers broadcasting: those are told apart by the ports
    const isClient = isOrig && (c.origH === '0.0.0.0' || c.origP === 68 || c.respP === 67);
    if (msg.message !== undefined) {
      if (isClient) t.clientMessage = msg.message;
      else t.serverMessage = msg.message;
    }
    if (isClient) {
      if (c.origH !== '0.0.0.0' && c.origH !== '255.255.255.255') t.clientAddr = c.origH;
      if (msg.hostName !== undefined) t.hostName = msg.hostName;
      if (msg.clientFqdn !== undefined) t.clientFqdn = msg.clientFqdn;
      if (msg.clientIdMac !== undefined) t.mac = msg.clientIdMac;
      else t.clientChaddr = msg.chaddr;
      if (msg.requestedAddr !== undefined) t.requestedAddr = msg.requestedAddr;
    } else {
      if (msg.yiaddr !== '0.0.0.0') {
        t.serverAddr = isOrig ? c.origH : c.respH;
        t.assignedAddr = msg.yiaddr;
      }
      if (t.mac === undefined) t.mac = msg.chaddr;
      if (t.clientAddr === undefined && t.assignedAddr !== undefined) t.clientAddr = t.assignedAddr;
      if (msg.domain !== undefined) t.domain = msg.domain;
      if (msg.leaseTime !== undefined) t.leaseTime = msg.leaseTime;
    }
    if (t.uids.length >= MAX_UIDS || t.msgTypes.length >= MAX_MSG_TYPES) {
      join.write(t);
      join.pending.delete(msg.xid);
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    const join = this.join;
    join.expire(this.ctx.conn.now());
    // The last DHCP connection to go writes what is left (end of input, or a quiet network).
    if (--join.liveConnections === 0) join.flushAll();
  }
}
