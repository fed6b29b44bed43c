/** Packet engine I: captures to Zeek-compatible records. See docs/packet-engine.md. */
export { PacketEngine, analysePcap, type EngineStats } from './engine.js';
export type { LogSink, PacketContext } from './conn.js';
export { resolveOptions, PRIVATE_ADDRESS_SPACE, ZEEK_LIKELY_TCP, ZEEK_LIKELY_UDP, type PacketEngineOptions } from './options.js';
export type { AnalyzerFactory, ConnectionAnalyzer, ConnectionHandle } from './analyzer.js';
export { CaptureReader, type PacketCallback } from './pcap-reader.js';
export { ZeekLogWriter, connFields, formatZeekValue, type FieldSpec } from './zeek-writer.js';
