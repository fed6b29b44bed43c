// What every input reader offers the pipeline.
import type { Flow } from '../flows/types.js';

/** Where readers report bad input: file, 1-based line (0 when not line-based) and what is wrong. */
export interface InputErrorSink {
  inputError(file: string, line: number, message: string): void;
}

export interface ReaderStats {
  /** Records read and turned into flows. */
  records: number;
  /** Lines or records rejected as malformed (reported to the error sink). */
  malformed: number;
  /** Records whose endpoints are not IP addresses: not analysed, as the original (reported once per file). */
  withoutIp: number;
}

export const emptyReaderStats = (): ReaderStats => ({ records: 0, malformed: 0, withoutIp: 0 });

export interface FlowReader {
  /** Short description for the banner, e.g. "Zeek folder (12 logs)". */
  readonly description: string;
  /** Total number of records if cheaply known (for the progress bar), else null. */
  estimateTotal(): Promise<number | null>;
  /**
   * Streams every flow to `sink`, synchronously per flow, awaiting only between chunks.
   * Stops early (after finishing the current chunk) when `signal` is aborted.
   */
  run(sink: (flow: Flow) => void, signal: AbortSignal): Promise<ReaderStats>;
}
