/**
 * The hook through which application-layer analyzers (Packet engine II) attach to connections.
 */

/** What an analyzer may see of, and do to, its connection. */
export interface ConnectionHandle {
  readonly uid: string;
  /** 'tcp' | 'udp' | 'icmp' | 'unknown_transport' */
  readonly proto: string;
  readonly origH: string;
  readonly origP: number;
  readonly respH: string;
  readonly respP: number;
  readonly startTime: number;
  /** Adds `name` to the conn.log `service` field (in confirmation order, deduplicated). */
  confirmService(name: string): void;
  /** Removes a previously confirmed service (a protocol violation). */
  removeService(name: string): void;
  /** Whether the TCP connection started without a SYN (Zeek skips some analyzers then). */
  isPartial(): boolean;
  /** Swaps originator and responder (an analyzer learnt the real direction, e.g. DNS replies first). */
  flipRoles(): void;
  /** Current packet time (seconds): the time of the packet being processed, or of the timer that fires. */
  now(): number;
  /** Emits a record to another log (e.g. "dns"), through the engine's sink. */
  emit(log: string, rec: Record<string, unknown>): void;
}

/**
 * Receives a connection's payload. TCP payload arrives in order, after reassembly; UDP and
 * ICMP payload arrives one datagram at a time. `data` is only valid during the call.
 */
export interface ConnectionAnalyzer {
  /** ordered TCP payload */
  deliverStream?(isOrig: boolean, data: Buffer): void;
  /** TCP payload that will never arrive (a content gap) */
  contentGap?(isOrig: boolean, len: number): void;
  /** one UDP or ICMP datagram payload */
  deliverPacket?(isOrig: boolean, data: Buffer, ts: number): void;
  /** originator and responder were swapped by Zeek's direction heuristics */
  flipRoles?(): void;
  /** the connection is being removed (timeout, close or end of input) */
  done?(): void;
}

/** Decides per new connection which analyzer (if any) to attach. */
export type AnalyzerFactory = (conn: ConnectionHandle) => ConnectionAnalyzer | null;
