// pcap / pcapng input: the project's packet engine turns packets into Zeek-shaped records, which are
// written as Zeek logs (zeek_files/) and mapped to flows exactly like records read from Zeek logs.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { PacketEngine, CaptureReader, ZeekLogWriter, type AnalyzerFactory, type PacketEngineOptions } from '../capture/index.js';
import { mapZeekRecord, certInfoFromX509, type CertInfo } from '../flows/zeek-map.js';
import type { ZeekRecord } from './zeek.js';
import type { Flow } from '../flows/types.js';
import { emptyReaderStats, type FlowReader, type InputErrorSink, type ReaderStats } from './reader.js';
import { FlowGate } from './flow-gate.js';

export interface PcapReaderOptions {
  /** Where to write the Zeek-format logs, or null not to write them. */
  zeekDir: string | null;
  engine: PacketEngineOptions;
  /** Application-layer analyzers (packet engine II), when available. */
  analyzers: AnalyzerFactory | null;
  iface: string;
  /** Called once the source is exhausted or stopped (e.g. to stop a capture process). */
  onStop?: () => void;
}

const CERT_CACHE_LIMIT = 100_000;

export class PcapReader implements FlowReader {
  readonly description: string;
  packets = 0;

  constructor(private readonly source: string | Readable, private readonly name: string,
    private readonly errors: InputErrorSink, private readonly opts: PcapReaderOptions) {
    this.description = `packet capture ${name}`;
  }

  async estimateTotal(): Promise<number | null> { return null; }

  async run(sink: (flow: Flow) => void, signal: AbortSignal): Promise<ReaderStats> {
    const stats = emptyReaderStats();
    const gate = new FlowGate(sink, this.errors, stats);
    const writer = this.opts.zeekDir ? new ZeekLogWriter(this.opts.zeekDir) : null;
    const certs = new Map<string, CertInfo>();
    const certLookup = (id: string): CertInfo | undefined => certs.get(id);
    const iface = this.opts.iface;
    const onRecord = (log: string, rec: Record<string, unknown>): void => {
      writer?.write(log, rec);
      const zr = rec as ZeekRecord;
      if (log === 'x509') {
        const c = certInfoFromX509(zr);
        if (c) { if (certs.size >= CERT_CACHE_LIMIT) certs.clear(); certs.set(c[0], c[1]); }
        return;
      }
      const ts = typeof zr.ts === 'number' ? zr.ts : Number(zr.ts);
      const flow = mapZeekRecord(log, zr, ts, iface, certLookup);
      // Records come from packets, not lines: the packet engine's record of its log is the position.
      if (flow) gate.pass(flow, `${this.name} (${log}.log)`, 0);
    };
    const engine = new PacketEngine(this.opts.engine, onRecord, this.opts.analyzers);
    const report = (msg: string): void => { stats.malformed++; this.errors.inputError(this.name, 0, msg); };
    const reader = new CaptureReader((linkType, ts, data, origLen) => engine.feedPacket(linkType, ts, data, origLen),
      report, report);
    const stream = typeof this.source === 'string' ? createReadStream(this.source, { highWaterMark: 1 << 20 }) : this.source;
    try {
      for await (const chunk of stream) {
        if (!reader.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))) break;
        if (signal.aborted) break;
      }
      // A stop (Ctrl-C) leaves a record half read: that is not a truncated capture.
      if (!signal.aborted) reader.end();
    } catch (e) {
      stats.malformed++;
      this.errors.inputError(this.name, 0, `reading stopped after packet ${reader.records}: ${(e as Error).message}; the packets before were analysed`);
    } finally {
      if (typeof this.source === 'string') (stream as Readable).destroy();
      this.opts.onStop?.();
    }
    // End of input: every open connection is logged, as Zeek does when it terminates.
    engine.flush();
    writer?.close();
    gate.finish();
    this.packets = reader.packets;
    return stats;
  }
}

/** Packet-engine settings from slips.yaml: Slips' production timeouts, TCP inactivity from config. */
export function engineOptionsFrom(tcpInactivityMinutes: number): PacketEngineOptions {
  return { preset: 'slips', tcpInactivityTimeout: tcpInactivityMinutes * 60 };
}
