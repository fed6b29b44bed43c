/**
 * Packet engine II: application-layer analyzers attached per connection by port and by content
 * (Zeek's dynamic protocol detection), producing the records of Zeek's protocol logs.
 *
 * `createAnalyzerFactory()` is what the packet engine takes as its `AnalyzerFactory`.
 */
import type { AnalyzerFactory, ConnectionAnalyzer, ConnectionHandle } from '../analyzer.js';
import { DnsAnalyzer } from './dns.js';
import { DhcpAnalyzer, NtpAnalyzer } from './dhcp.js';
import {
  connId,
  SharedState,
  type AnalyzerOptions,
  type AppAnalyzer,
  type AppContext,
  type ResolvedAnalyzerOptions,
} from './framework.js';
import { HttpAnalyzer } from './http.js';
import { FtpAnalyzer, FtpDataAnalyzer } from './ftp.js';
import { SmtpAnalyzer } from './smtp.js';
import { SshAnalyzer } from './ssh.js';
import { TlsAnalyzer } from './tls.js';

export type { AnalyzerOptions } from './framework.js';
export { APP_SCHEMAS } from './schemas.js';

/** How one protocol is found: its registered ports and its DPD signatures. */
interface ProtocolSpec {
  name: string;
  tcpPorts: number[];
  udpPorts: number[];
  /** Zeek's HTTP, SSL and SSH analyzers are not attached to partial (SYN-less) connections */
  skipPartial: boolean;
  /** content signature on the start of the originator's / responder's stream */
  sigOrig?: (b: Buffer) => boolean;
  sigResp?: (b: Buffer) => boolean;
  /** one direction's signature is enough (Zeek 8's TLS signatures have no reverse requirement) */
  eitherSide?: boolean;
  create(ctx: AppContext, proto: 'tcp' | 'udp'): AppAnalyzer;
}

const HTTP_METHODS =
  /^[\t\n\v\f\r ]*(OPTIONS|GET|HEAD|POST|PUT|DELETE|TRACE|CONNECT|PROPFIND|PROPPATCH|MKCOL|COPY|MOVE|LOCK|UNLOCK|POLL|REPORT|SUBSCRIBE|BMOVE|SEARCH)[\t\n\v\f\r ]*/;

const isTlsClientHello = (b: Buffer): boolean =>
  (b.length >= 6 && b[0] === 0x16 && b[1] === 3 && b[2]! <= 4 && b[5] === 1) ||
  // SSLv2-compatible ClientHello
  (b.length >= 5 && (b[0]! & 0x80) !== 0 && b[2] === 1 && b[3]! <= 3);
const isTlsServerHello = (b: Buffer): boolean =>
  (b.length >= 6 && (b[0] === 0x16 || b[0] === 0x15) && b[1] === 3 && b[2]! <= 4 && (b[0] === 0x15 || b[5] === 2)) ||
  (b.length >= 5 && (b[0]! & 0x80) !== 0 && b[2] === 4);
const isSsh = (b: Buffer): boolean => b.length >= 6 && /^[sS][sS][hH]-[12]\./.test(b.toString('latin1', 0, 6));
const startsWith220 = (b: Buffer): boolean => /^[\n\r ]*220[^0-9]/.test(b.toString('latin1', 0, Math.min(b.length, 64)));

export const PROTOCOLS: ProtocolSpec[] = [
  {
    name: 'dns',
    tcpPorts: [53],
    udpPorts: [53, 137, 5353, 5355],
    skipPartial: false,
    create: (ctx, proto) => new DnsAnalyzer(ctx, proto),
  },
  {
    name: 'http',
    tcpPorts: [80, 81, 631, 1080, 3128, 8000, 8080, 8888],
    udpPorts: [],
    skipPartial: true,
    sigOrig: (b) => HTTP_METHODS.test(b.toString('latin1', 0, Math.min(b.length, 64))),
    sigResp: (b) => /^HTTP\/[0-9]/.test(b.toString('latin1', 0, 7)),
    create: (ctx) => new HttpAnalyzer(ctx),
  },
  {
    name: 'ssl',
    tcpPorts: [443, 563, 585, 614, 636, 989, 990, 992, 993, 995, 5223],
    udpPorts: [],
    skipPartial: true,
    sigOrig: isTlsClientHello,
    sigResp: isTlsServerHello,
    eitherSide: true,
    create: (ctx) => new TlsAnalyzer(ctx),
  },
  {
    name: 'ssh',
    tcpPorts: [22],
    udpPorts: [],
    skipPartial: true,
    sigOrig: isSsh,
    sigResp: isSsh,
    create: (ctx) => new SshAnalyzer(ctx),
  },
  {
    name: 'smtp',
    tcpPorts: [25, 587],
    udpPorts: [],
    skipPartial: false,
    sigOrig: (b) => /^[\t\n\v\f\r ]*(HELO|EHLO)[\t ]/i.test(b.toString('latin1', 0, Math.min(b.length, 64))),
    sigResp: startsWith220,
    create: (ctx) => new SmtpAnalyzer(ctx),
  },
  {
    name: 'ftp',
    tcpPorts: [21, 2811],
    udpPorts: [],
    skipPartial: false,
    sigOrig: (b) => /^(|[^]*[\n\r])[\t\n\v\f\r ]*USER[\t\n\v\f\r ]/i.test(b.toString('latin1', 0, Math.min(b.length, 256))),
    sigResp: startsWith220,
    create: (ctx) => new FtpAnalyzer(ctx),
  },
  {
    // only attached to the data connections an FTP control connection announced
    name: 'ftp-data',
    tcpPorts: [],
    udpPorts: [],
    skipPartial: false,
    create: (ctx) => new FtpDataAnalyzer(ctx),
  },
  {
    name: 'dhcp',
    tcpPorts: [],
    udpPorts: [67, 68],
    skipPartial: false,
    create: (ctx) => new DhcpAnalyzer(ctx),
  },
  {
    name: 'ntp',
    tcpPorts: [],
    udpPorts: [123],
    skipPartial: false,
    create: (ctx) => new NtpAnalyzer(ctx),
  },
];

/** bytes of each direction that dynamic protocol detection looks at (Zeek's dpd_buffer_size) */
const DPD_BUFFER = 1024;

interface Attached {
  a: AppAnalyzer;
  confirmed: boolean;
}

/** The per-connection analyzer: fans payload out to the protocol analyzers and runs DPD. */
class ConnDispatcher implements ConnectionAnalyzer, AppContext {
  private readonly attached: Attached[] = [];
  /** DPD: first bytes of each direction, and the arrival order of the chunks */
  private dpdChunks: Array<{ isOrig: boolean; data: Buffer }> | null = null;
  private dpdLen = [0, 0];
  private dpdCandidates: ProtocolSpec[] = [];
  private dpdMatched = new Map<string, number>(); // bit 1 orig, bit 2 resp
  private sawData = false;

  constructor(
    readonly conn: ConnectionHandle,
    readonly shared: SharedState,
    private readonly proto: 'tcp' | 'udp',
    portSpecs: ProtocolSpec[],
    dpdSpecs: ProtocolSpec[],
  ) {
    for (const s of portSpecs) this.attached.push({ a: s.create(this, proto), confirmed: false });
    if (proto === 'tcp' && dpdSpecs.length > 0) {
      this.dpdChunks = [];
      this.dpdCandidates = dpdSpecs;
    }
  }

  // ---- AppContext
  confirm(a: AppAnalyzer): void {
    const at = this.attached.find((x) => x.a === a);
    if (!at || at.confirmed) return;
    at.confirmed = true;
    this.conn.confirmService(a.name);
  }

  violation(a: AppAnalyzer, _reason: string): void {
    const i = this.attached.findIndex((x) => x.a === a);
    if (i < 0) return;
    const at = this.attached[i]!;
    this.attached.splice(i, 1);
    if (at.confirmed) this.conn.removeService(a.name);
  }

  weird(name: string, addl?: string, source?: string): void {
    const rec: Record<string, unknown> = { ts: this.conn.now(), uid: this.conn.uid, ...connId(this.conn), name };
    if (addl !== undefined && addl !== '') rec.addl = addl;
    rec.notice = false;
    rec.peer = 'zeek';
    if (source) rec.source = source;
    this.conn.emit('weird', rec);
  }

  idFields(): Record<string, unknown> {
    return connId(this.conn);
  }

  attach(name: string): AppAnalyzer | null {
    const spec = PROTOCOLS.find((p) => p.name === name);
    if (!spec || this.shared.opts.disabled.has(name)) return null;
    const existing = this.attached.find((x) => x.a.name === name);
    if (existing) return existing.a;
    const a = spec.create(this, this.proto);
    this.attached.push({ a, confirmed: false });
    return a;
  }

  // ---- ConnectionAnalyzer
  deliverStream(isOrig: boolean, data: Buffer): void {
    if (!this.sawData) {
      this.sawData = true;
      if (this.conn.isPartial()) this.dropPartialSkippers();
    }
    if (this.dpdChunks) this.dpd(isOrig, data);
    const list = this.attached;
    // analyzers attached during the call (a TLS hand-over) get the rest of this chunk from the
    // analyzer that handed over, not the whole chunk
    for (let i = 0, n = list.length; i < n && i < list.length; i++) {
      const at = list[i]!;
      at.a.stream?.(isOrig, data);
      if (list[i] !== at) {
        i--; // detached during the call
        n--;
      }
    }
  }

  contentGap(isOrig: boolean, len: number): void {
    if (this.dpdChunks) this.endDpd();
    const list = this.attached;
    for (let i = 0; i < list.length; i++) {
      const at = list[i]!;
      at.a.gap?.(isOrig, len);
      if (list[i] !== at) i--;
    }
  }

  deliverPacket(isOrig: boolean, data: Buffer, ts: number): void {
    const list = this.attached;
    for (let i = 0; i < list.length; i++) {
      const at = list[i]!;
      at.a.packet?.(isOrig, data, ts);
      if (list[i] !== at) i--;
    }
  }

  flipRoles(): void {
    for (const at of this.attached) at.a.flip?.();
  }

  done(): void {
    for (const at of this.attached.slice()) at.a.end();
    this.dpdChunks = null;
  }

  private dropPartialSkippers(): void {
    for (let i = this.attached.length - 1; i >= 0; i--) {
      const at = this.attached[i]!;
      const spec = PROTOCOLS.find((p) => p.name === at.a.name);
      if (spec?.skipPartial) this.attached.splice(i, 1);
    }
    this.dpdCandidates = this.dpdCandidates.filter((p) => !p.skipPartial);
    if (this.dpdCandidates.length === 0) this.endDpd();
  }

  private endDpd(): void {
    this.dpdChunks = null;
    this.dpdCandidates = [];
    this.dpdMatched.clear();
  }

  private dpd(isOrig: boolean, data: Buffer): void {
    const side = isOrig ? 0 : 1;
    const room = DPD_BUFFER - this.dpdLen[side]!;
    if (room <= 0) return;
    const piece = Buffer.from(data.subarray(0, room));
    this.dpdChunks!.push({ isOrig, data: piece });
    this.dpdLen[side]! += piece.length;
    const prefix = this.prefix(isOrig);
    const bit = isOrig ? 1 : 2;
    for (const spec of this.dpdCandidates.slice()) {
      const sig = isOrig ? spec.sigOrig : spec.sigResp;
      let m = this.dpdMatched.get(spec.name) ?? 0;
      if (m & bit || !sig || !sig(prefix)) continue;
      m |= bit;
      this.dpdMatched.set(spec.name, m);
      if (m === 3 || spec.eitherSide) this.enable(spec);
    }
    if (this.dpdLen[0]! >= DPD_BUFFER && this.dpdLen[1]! >= DPD_BUFFER) this.endDpd();
  }

  private prefix(isOrig: boolean): Buffer {
    const parts: Buffer[] = [];
    for (const c of this.dpdChunks!) if (c.isOrig === isOrig) parts.push(c.data);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** A signature pair matched: attach the analyzer and replay what DPD kept, in arrival order. */
  private enable(spec: ProtocolSpec): void {
    this.dpdCandidates = this.dpdCandidates.filter((s) => s !== spec);
    if (this.attached.some((x) => x.a.name === spec.name)) return;
    const a = spec.create(this, this.proto);
    const at = { a, confirmed: false };
    this.attached.push(at);
    // The chunk that completed the match is delivered by the caller's loop right after.
    const chunks = this.dpdChunks!;
    for (let i = 0; i < chunks.length - 1; i++) {
      if (!this.attached.includes(at)) break;
      a.stream?.(chunks[i]!.isOrig, chunks[i]!.data);
    }
    // The last chunk may be truncated to the DPD budget; the caller delivers the full data.
  }
}

function resolve(o: AnalyzerOptions = {}): ResolvedAnalyzerOptions {
  return {
    fingerprints: o.fingerprints ?? true,
    maxTlsHandshake: o.maxTlsHandshake ?? 65536,
    maxHttpHeader: o.maxHttpHeader ?? 16384,
    disabled: new Set(o.disabled ?? []),
    ftpLoggedCommands: new Set(o.ftpLoggedCommands ?? []),
  };
}

/** The analyzer factory for `new PacketEngine(opts, sink, createAnalyzerFactory())`. */
export function createAnalyzerFactory(opts: AnalyzerOptions = {}): AnalyzerFactory {
  const r = resolve(opts);
  const shared = new SharedState(r, opts.uidSeed ?? 0x5eed);
  const specs = PROTOCOLS.filter((p) => !r.disabled.has(p.name)).map((p) => {
    const ports = opts.ports?.[p.name];
    return ports ? { ...p, tcpPorts: ports.tcp ?? p.tcpPorts, udpPorts: ports.udp ?? p.udpPorts } : p;
  });
  const byTcpPort = new Map<number, ProtocolSpec[]>();
  const byUdpPort = new Map<number, ProtocolSpec[]>();
  for (const s of specs) {
    for (const p of s.tcpPorts) byTcpPort.set(p, [...(byTcpPort.get(p) ?? []), s]);
    for (const p of s.udpPorts) byUdpPort.set(p, [...(byUdpPort.get(p) ?? []), s]);
  }
  const dpdSpecs = specs.filter((s) => s.sigOrig && s.sigResp);
  const none: ProtocolSpec[] = [];
  return (conn) => {
    if (conn.proto === 'tcp') {
      let byPort = byTcpPort.get(conn.respP) ?? none;
      const expected = shared.takeExpected(conn.origH, conn.respH, conn.respP, conn.startTime);
      if (expected) {
        const spec = specs.find((s) => s.name === expected);
        if (spec) byPort = [spec, ...byPort];
      }
      const dpd = dpdSpecs.filter((s) => !byPort.includes(s));
      return new ConnDispatcher(conn, shared, 'tcp', byPort, dpd);
    }
    if (conn.proto === 'udp') {
      let byPort = byUdpPort.get(conn.respP);
      // DHCP clients talk from 68 to 67, servers answer 67 -> 68; either end identifies it.
      if (!byPort && conn.origP === 67) byPort = byUdpPort.get(67);
      if (!byPort) return null;
      return new ConnDispatcher(conn, shared, 'udp', byPort, none);
    }
    return null;
  };
}
