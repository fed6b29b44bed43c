// What every exporter shares: its log lines, its queue limits, and the sink over a delivery queue.
import type { AnalysisSink, SinkContext } from '../sinks/sink.js';
import type { Alert, Evidence } from '../evidence/types.js';
import { DeliveryQueue, type ExportLog, type QueueLimits, type Transport } from './queue.js';
import type { ExportSettings } from './settings.js';

/** The original's module name, used as the sender of every exporter's messages. */
export const SENDER = 'exporting_alerts';

export const exportLog = (ctx: SinkContext): ExportLog => ({
  print: (t) => ctx.print(SENDER, t),
  error: (t) => ctx.error(SENDER, t),
});

export function queueLimits(s: ExportSettings, maxBatch = 256): QueueLimits {
  return { capacity: s.queueSize, maxBatch, retryFirst: 0.5, retryMax: 30, closeTimeout: s.closeTimeout };
}

export interface Renderer<T> {
  evidence?(ev: Evidence, accumulated: number): T | null;
  alert?(alert: Alert, evidence: readonly Evidence[]): T | null;
}

/** A sink that renders each result and queues it for `transport`. */
export function queuedSink<T>(name: string, ctx: SinkContext, s: ExportSettings, transport: Transport<T>,
  render: Renderer<T>, maxBatch?: number): AnalysisSink & { queue: DeliveryQueue<T> } {
  const queue = new DeliveryQueue(name, transport, queueLimits(s, maxBatch), exportLog(ctx));
  return {
    name,
    queue,
    evidence: render.evidence ? (ev, acc) => { const m = render.evidence!(ev, acc); if (m !== null) queue.push(m); } : undefined,
    alert: render.alert ? (a, evs) => { const m = render.alert!(a, evs); if (m !== null) queue.push(m); } : undefined,
    close: async () => { await queue.close(); },
  };
}
