// What receives the run's results after the evidence handler: the files and the database today,
// exporters, blocking and Redis as they are added. A sink never throws into the analysis: the
// fan-out catches and reports, and a slow receiver must queue (bounded) rather than block.
import type { Alert, Evidence } from '../evidence/types.js';
import type { EvidenceOutputs } from '../evidence/handler.js';
import type { Settings } from '../config/config.js';

export interface AnalysisSink {
  /** Name used in error messages and slips.log. */
  readonly name: string;
  /** An evidence that passed the whitelist, with its window's accumulated threat after it. */
  evidence?(ev: Evidence, accumulated: number, hostname: string): void;
  /** An alert and the evidence it groups. */
  alert?(alert: Alert, evidence: Evidence[], hostname: string): void;
  /** Traffic time reached `ts` (epoch seconds); called at most once per traffic-time second. */
  trafficTime?(ts: number): void;
  /** End of the run: flush and release. Awaited before the output folder is final. */
  close?(): void | Promise<void>;
}

/** What a sink factory may use when the run starts. */
export interface SinkContext {
  readonly settings: Settings;
  readonly outputDir: string;
  /** True for finite inputs (files, stdin), false for an interface or a growing folder. */
  readonly finiteInput: boolean;
  /** One line to the console and slips.log. */
  print(sender: string, text: string): void;
  /** One line to errors.log and stderr. */
  error(sender: string, text: string): void;
  /**
   * The sink writes a machine stream to standard output: the console's own lines (alerts,
   * messages) then go to standard error, so that no line of the stream is cut by them.
   */
  claimStandardOutput(): void;
}

/** A sink factory returns null when its feature is not enabled for this run. */
export type SinkFactory = (ctx: SinkContext) => AnalysisSink | null | Promise<AnalysisSink | null>;

/**
 * Checks a sink's settings (throws ConfigError naming the key). Run before the output folder is
 * touched, so that a refused configuration leaves an earlier output as it was.
 */
export type SinkSettingsCheck = (settings: Settings) => void;

/** Hands every result to each sink in order; a sink that throws is reported and the others go on. */
export class SinkFanOut implements EvidenceOutputs {
  private nextSecond = -Infinity;

  constructor(private readonly sinks: AnalysisSink[], private readonly report: (sink: string, err: unknown) => void) {}

  evidence(ev: Evidence, accumulated: number, hostname: string): void {
    for (const s of this.sinks) {
      if (s.evidence) try { s.evidence(ev, accumulated, hostname); } catch (e) { this.report(s.name, e); }
    }
  }

  alert(alert: Alert, evidence: Evidence[], hostname: string): void {
    for (const s of this.sinks) {
      if (s.alert) try { s.alert(alert, evidence, hostname); } catch (e) { this.report(s.name, e); }
    }
  }

  /** Cheap enough to call per flow: it does work only when a new traffic-time second starts. */
  trafficTime(ts: number): void {
    if (ts < this.nextSecond) return;
    this.nextSecond = Math.floor(ts) + 1;
    for (const s of this.sinks) {
      if (s.trafficTime) try { s.trafficTime(ts); } catch (e) { this.report(s.name, e); }
    }
  }

  async close(): Promise<void> {
    for (const s of this.sinks) {
      if (s.close) try { await s.close(); } catch (e) { this.report(s.name, e); }
    }
  }
}
