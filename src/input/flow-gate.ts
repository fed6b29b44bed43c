// Where every reader hands its flows over: impossible values are reported with file and line
// and the record skipped (flows/validate.ts); records without IP endpoints, which the original
// drops, are counted per file and reported once when the file ends.
import type { Flow } from '../flows/types.js';
import { flowProblem, hasIpEndpoints } from '../flows/validate.js';
import type { InputErrorSink, ReaderStats } from './reader.js';

export class FlowGate {
  /** Records without IP endpoints per file, with the first such line. */
  private readonly withoutIp = new Map<string, { count: number; firstLine: number }>();

  constructor(private readonly sink: (flow: Flow) => void, private readonly errors: InputErrorSink,
    private readonly stats: ReaderStats) {}

  /** Passes a sane flow on; reports and counts anything else. */
  pass(flow: Flow, file: string, line: number): void {
    const problem = flowProblem(flow);
    if (problem !== null) {
      this.stats.malformed++;
      this.errors.inputError(file, line, problem);
      return;
    }
    if (!hasIpEndpoints(flow)) {
      this.stats.withoutIp++;
      const w = this.withoutIp.get(file);
      if (w) w.count++; else this.withoutIp.set(file, { count: 1, firstLine: line });
      return;
    }
    this.stats.records++;
    this.sink(flow);
  }

  /** Reports the records of `file` (or of every file) that had no IP endpoints; once per file. */
  finish(file?: string): void {
    for (const [name, w] of this.withoutIp) {
      if (file !== undefined && name !== file) continue;
      this.errors.inputError(name, 0, `${w.count} record${w.count === 1 ? '' : 's'} without IP endpoints${w.firstLine ? ` (the first at line ${w.firstLine})` : ''} not analysed, as the original drops them`);
      this.withoutIp.delete(name);
    }
  }
}
