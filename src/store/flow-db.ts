// databases/flows.sqlite: every flow with its label, the alerts, and the profile / time-window /
// evidence tables a UI reads. Rows are batched and handed to a writer thread (flow-db-worker.ts),
// which commits each batch in one transaction; a bounded number of batches may be in flight.
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Flow } from '../flows/types.js';
import type { Alert, Evidence } from '../evidence/types.js';
import { Op } from './flow-db-schema.js';

import type { AnalysisSink, ProfileRow, TimewindowRow } from '../sinks/sink.js';

/**
 * Starts a worker module. Run from the TypeScript sources (tests, tsx), the worker thread needs the
 * TypeScript loader registered in itself first; the compiled build loads the .js file directly.
 */
function startWorker(jsUrl: URL, workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(jsUrl, { workerData });
  const tsUrl = jsUrl.href.replace(/\.js$/, '.ts');
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(tsUrl)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/** Batches handed to the writer but not yet committed, before the analysis waits for it. */
const MAX_IN_FLIGHT = 6;

export class FlowDatabase implements AnalysisSink {
  readonly name = 'database';
  /** Pending rows, flattened: op code then its values (see OP_ARITY). */
  private rows: unknown[] = [];
  private rowCount = 0;
  private readonly worker: Worker;
  private readonly inFlight: Int32Array;
  private closed: Promise<void> | null = null;
  /** Errors reported by the writer thread (e.g. disk full). */
  readonly errors: string[] = [];
  /** Called before rows are handed to the writer (e.g. to write the text outputs that hold them first). */
  beforeFlush: () => void = () => {};

  constructor(readonly path: string, private readonly batchSize = 5000) {
    const shared = new SharedArrayBuffer(4);
    this.inFlight = new Int32Array(shared);
    this.worker = startWorker(new URL('./flow-db-worker.js', import.meta.url), { path, pending: shared });
    this.worker.on('message', (m: { error?: string }) => { if (m.error) this.errors.push(m.error); });
    this.worker.on('error', (e) => { this.errors.push(e.message); });
  }

  private push(...row: unknown[]): void {
    for (let i = 0; i < row.length; i++) this.rows.push(row[i]);
    if (++this.rowCount >= this.batchSize) this.flush();
  }

  /** Hands the pending rows to the writer, waiting first if it is too far behind (bounded memory). */
  flush(): void {
    if (!this.rows.length) return;
    this.beforeFlush();
    for (let n = Atomics.load(this.inFlight, 0); n >= MAX_IN_FLIGHT; n = Atomics.load(this.inFlight, 0)) {
      Atomics.wait(this.inFlight, 0, n, 1000);
    }
    Atomics.add(this.inFlight, 0, 1);
    this.worker.postMessage({ rows: this.rows });
    this.rows = [];
    this.rowCount = 0;
  }

  // addFlow and addAltflow run once per flow: they push their values directly (no rest array).
  flow(flow: Flow, profileid: string, twid: string, label: string, aid: string): void {
    this.rows.push(Op.Flow, flow.uid, JSON.stringify(flow), label, profileid, twid, aid);
    if (++this.rowCount >= this.batchSize) this.flush();
  }

  altflow(flow: Flow, profileid: string, twid: string, label: string): void {
    this.rows.push(Op.Altflow, flow.uid, JSON.stringify(flow), label, profileid, twid, flow.type_);
    if (++this.rowCount >= this.batchSize) this.flush();
  }

  evidence(ev: Evidence): void {
    this.push(Op.Evidence, ev.id, `profile_${ev.profile}`, `timewindow${ev.timewindow}`, ev.evidence_type, ev.threat_level,
      ev.confidence, ev.timestamp, ev.attacker.value, ev.victim?.value ?? null, ev.description, JSON.stringify(ev.uid), null,
      JSON.stringify(ev));
  }

  /** Stores the alert, links its evidence, and relabels every flow of their uids as malicious. */
  alert(alert: Alert, evidence: Evidence[]): void {
    const uids = new Set<string>();
    for (const e of evidence) for (const u of e.uid) uids.add(u);
    this.push(Op.Alert, [alert.id, String(alert.alert_time), alert.profile, `timewindow${alert.timewindow}`,
      String(alert.tw_start), String(alert.tw_end), 'malicious'], alert.correl_id, [...uids]);
  }

  profile(p: ProfileRow): void {
    this.push(Op.Profile, `profile_${p.ip}`, p.ip, p.firstSeen, p.lastSeen, p.flows, p.threatLevel, p.maxThreatLevel,
      p.confidence, p.mac, JSON.stringify(p.info));
  }

  timewindow(t: TimewindowRow): void {
    this.push(Op.Timewindow, `profile_${t.ip}`, `timewindow${t.number}`, t.number, t.start, t.end, t.flows, t.evidence,
      t.alerts, t.accumulated);
  }

  analysis(key: string, value: string): void { this.push(Op.Analysis, key, value); }

  /** Commits everything and closes the file. */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.flush();
    this.closed = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (m: { closed?: boolean }) => { if (m.closed) void this.worker.terminate().then(() => resolve()); });
      this.worker.once('error', reject);
      this.worker.postMessage({ close: true });
    });
    return this.closed;
  }
}

/** Number of profiles in a closed database (profiles forgotten while idle are in it, not in memory). */
export function profileRowCount(path: string): number {
  const db = new Database(path, { readonly: true });
  try { return (db.prepare('SELECT COUNT(*) AS n FROM profiles').get() as { n: number }).n; } finally { db.close(); }
}

/** Rows of flows and altflows with a common column list, for the labelled-flow export (after close). */
export function* labelledFlows(path: string): Generator<{ uid: string; flow: string; label: string; profileid: string; twid: string; flow_type: string }> {
  const db = new Database(path, { readonly: true });
  try {
    yield* db.prepare(`SELECT uid, flow, label, profileid, twid, 'conn' AS flow_type FROM flows
      UNION ALL SELECT uid, flow, label, profileid, twid, flow_type FROM altflows`).iterate() as Iterable<never>;
  } finally { db.close(); }
}
