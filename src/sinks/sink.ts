// What receives the run's results: every flow with its profile and window, the evidence and
// alerts after the evidence handler, the profile and window rows. The text files and the SQLite
// database are sinks, and so are exporters, blocking and Redis. A sink never throws into the
// analysis: the fan-out catches and reports, and a slow receiver must queue (bounded) rather
// than block.
import type { Alert, Evidence } from '../evidence/types.js';
import type { EvidenceOutputs } from '../evidence/handler.js';
import type { Settings } from '../config/config.js';
import type { Flow } from '../flows/types.js';

/** A profile as its row is written (at the end of the run, or when an idle profile is forgotten). */
export interface ProfileRow {
  ip: string; firstSeen: number; lastSeen: number; flows: number; threatLevel: string; maxThreatLevel: string;
  confidence: number; mac: string; info: Record<string, unknown>;
}
/** A time window as its row is written when it closes. */
export interface TimewindowRow {
  ip: string; number: number; start: number; end: number; flows: number; evidence: number; alerts: number; accumulated: number;
}

export interface AnalysisSink {
  /** Name used in error messages and slips.log. */
  readonly name: string;
  /** A conn-like flow as profiled (label "benign" until an alert relabels it). */
  flow?(flow: Flow, profileid: string, twid: string, label: string, aid: string): void;
  /** Any other record (dns, http, ssl, ...). */
  altflow?(flow: Flow, profileid: string, twid: string, label: string): void;
  profile?(row: ProfileRow): void;
  timewindow?(row: TimewindowRow): void;
  /** Facts about the analysis (input, its type, flows, window width, ...). */
  analysis?(key: string, value: string): void;
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
  // The sinks of the per-flow calls, found once (most sinks take no flows).
  private readonly flowSinks: AnalysisSink[];
  private readonly altflowSinks: AnalysisSink[];

  constructor(private readonly sinks: AnalysisSink[], private readonly report: (sink: string, err: unknown) => void) {
    this.flowSinks = sinks.filter((s) => s.flow);
    this.altflowSinks = sinks.filter((s) => s.altflow);
  }

  flow(flow: Flow, profileid: string, twid: string, label: string, aid: string): void {
    for (const s of this.flowSinks) try { s.flow!(flow, profileid, twid, label, aid); } catch (e) { this.report(s.name, e); }
  }

  altflow(flow: Flow, profileid: string, twid: string, label: string): void {
    for (const s of this.altflowSinks) try { s.altflow!(flow, profileid, twid, label); } catch (e) { this.report(s.name, e); }
  }

  profile(row: ProfileRow): void {
    for (const s of this.sinks) if (s.profile) try { s.profile(row); } catch (e) { this.report(s.name, e); }
  }

  timewindow(row: TimewindowRow): void {
    for (const s of this.sinks) if (s.timewindow) try { s.timewindow(row); } catch (e) { this.report(s.name, e); }
  }

  analysis(key: string, value: string): void {
    for (const s of this.sinks) if (s.analysis) try { s.analysis(key, value); } catch (e) { this.report(s.name, e); }
  }

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
