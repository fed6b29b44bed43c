// A FlowReader for line-oriented inputs (Suricata eve.json, Argus, nfdump CSV, stdin): one parser
// per line, errors to the sink with file and line, optional reordering by start time.
import { LineSource, type LineProblem } from './lines.js';
import { ReorderBuffer } from './reorder.js';
import type { Flow } from '../flows/types.js';
import { emptyReaderStats, type FlowReader, type InputErrorSink, type ReaderStats } from './reader.js';
import { FlowGate } from './flow-gate.js';

/**
 * Turns one line into a flow (a Flow), nothing (null: header, blank, ignored record) or an
 * error message (a string) that is reported with the file and line number.
 */
export interface LineParser {
  parse(line: string): Flow | string | null;
}

/** Records held to restore start-time order in files written as flows end. */
export const FILE_REORDER_CAPACITY = 50_000;

export interface LineReaderOptions {
  description: string;
  /** Name used in errors.log (the file path, or "<stdin>"). */
  name: string;
  /** Opens the line source, reporting its problems to `problem`; called once per run (and once per estimate for files). */
  open: (problem?: LineProblem) => LineSource;
  parser: LineParser;
  errors: InputErrorSink;
  /** Records held for reordering (0 = none). */
  reorder?: number;
  /** Traffic-time horizon after which held records are released (live streams). */
  reorderHorizon?: number;
  /** Whether estimateTotal may read the source once more to count lines. */
  countable?: boolean;
  /** Header lines not counted by estimateTotal. */
  headerLines?: number;
  /** A line that ends the input (the original's "done" on stdin). */
  stopLine?: string;
  /** Called after the source is exhausted, before the reorder buffer is flushed (e.g. child exit status). */
  onEnd?: () => Promise<void>;
}

/** Reports a line source's problems to the error sink, counting lost records as malformed. */
export function lineProblems(name: string, errors: InputErrorSink, stats: ReaderStats): LineProblem {
  return (line, message, lost) => { if (lost) stats.malformed++; errors.inputError(name, line, message); };
}

/** Resolves when the signal is aborted (never rejects). */
export function abortPromise(signal: AbortSignal): Promise<void> {
  return new Promise((res) => {
    if (signal.aborted) res();
    else signal.addEventListener('abort', () => res(), { once: true });
  });
}

export class LineFlowReader implements FlowReader {
  readonly description: string;
  constructor(private readonly o: LineReaderOptions) { this.description = o.description; }

  async estimateTotal(): Promise<number | null> {
    if (!this.o.countable) return null;
    const src = this.o.open();
    let n = 0;
    for (;;) {
      const l = src.next();
      if (l === null) break;
      if (l === undefined) { if (!(await src.fill())) break; continue; }
      if (l.length) n++;
    }
    return Math.max(0, n - (this.o.headerLines ?? 0));
  }

  async run(sink: (flow: Flow) => void, signal: AbortSignal): Promise<ReaderStats> {
    const stats = emptyReaderStats();
    const { parser, errors, name, stopLine } = this.o;
    const reorder = new ReorderBuffer(sink, this.o.reorder ?? 0, this.o.reorderHorizon ?? Infinity);
    const gate = new FlowGate((f) => reorder.push(f), errors, stats);
    const src = this.o.open(lineProblems(name, errors, stats));
    const aborted = abortPromise(signal);
    let stopped = false;
    try {
      while (!stopped && !signal.aborted) {
        const line = src.next();
        if (line === null) break;
        if (line === undefined) {
          const more = await Promise.race([src.fill(), aborted.then(() => false)]);
          if (!more) break;
          continue;
        }
        if (line.length === 0) continue;
        if (stopLine !== undefined && line === stopLine) { stopped = true; break; }
        let out: Flow | string | null;
        try { out = parser.parse(line); } catch (e) { out = `cannot interpret record: ${(e as Error).message}`; }
        if (out === null) continue;
        if (typeof out === 'string') { stats.malformed++; errors.inputError(name, src.lineNo, out); continue; }
        gate.pass(out, name, src.lineNo);
      }
      if (src.readError) {
        stats.malformed++;
        errors.inputError(name, src.lineNo + 1, `input ends early (${src.readError}); the ${src.lineNo} lines before were analysed`);
      }
    } finally {
      await src.close().catch(() => undefined);
    }
    if (this.o.onEnd) await this.o.onEnd();
    reorder.flush();
    gate.finish();
    return stats;
  }
}
