// export_to: stix -- every evidence becomes a STIX 2.1 Indicator, appended to
// exporting_alerts/STIX_data.json and queued on disk for the TAXII 2.1 collection collection_name.
// With direct_export the queue is pushed as it fills; without, every push_delay seconds on live
// input and once at the end for files (the original's schedule). Failed pushes are retried with
// the direct_export_retry_* back-off; nothing leaves the queue until the server has it.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalysisSink, SinkContext, SinkFactory } from '../sinks/sink.js';
import type { Evidence } from '../evidence/types.js';
import { nowEpoch } from '../util/time.js';
import { exportLog, SENDER } from './common.js';
import type { ExportLog } from './queue.js';
import { exportSettings, type ExportSettings } from './settings.js';
import { BundleFile, indicatorOf } from './stix.js';
import { TaxiiClient, taxiiBaseUrl, TaxiiHttpError } from './taxii-client.js';
import { TaxiiQueue, type QueuedObject } from './taxii-queue.js';

/** Indicators per TAXII envelope (fewer when the API root's max_content_length requires). */
const BATCH = 100;
/** Indicators held in memory before they are written to the queue and the bundle. */
const FLUSH_EVERY = 200;
/** Bytes of `{"objects": [` ... `]}` around the objects. */
const ENVELOPE_BYTES = 16;

const why = (e: unknown): string => {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err instanceof TaxiiHttpError) return err.message;
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
};

export class StixExporter implements AnalysisSink {
  readonly name = 'stix';
  private readonly bundle: BundleFile;
  private readonly queue: TaxiiQueue;
  private readonly client: TaxiiClient;
  private readonly logPath: string;
  private readonly log: ExportLog;
  private running: Promise<void> | null = null;
  /** Indicators not yet written to the queue (each evidence reaches a sink once). */
  private incoming: [string, string][] = [];
  private again = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private pushTimer: NodeJS.Timeout | null = null;
  private failing: string | null = null;
  private closing = false;
  private pushed = 0;
  private skipped = 0;
  private refused = 0;
  private gaveUp = 0;

  constructor(ctx: SinkContext, private readonly s: ExportSettings, private readonly wallNow: () => number = nowEpoch) {
    const t = s.taxii;
    this.log = exportLog(ctx);
    this.logPath = join(ctx.outputDir, 'exporting_alerts', 'stix_exporter.log');
    this.bundle = new BundleFile(join(ctx.outputDir, 'exporting_alerts', 'STIX_data.json'));
    this.queue = new TaxiiQueue(join(ctx.outputDir, 'databases', 'stix_export_queue.sqlite'),
      { max: t.retryMax, backoff: t.retryBackoff, maxDelay: t.retryMaxDelay });
    this.client = new TaxiiClient({ baseUrl: taxiiBaseUrl(t.server, t.port, t.useHttps), discoveryPath: t.discoveryPath,
      collection: t.collection, username: t.username, password: t.password, timeoutSeconds: t.timeout });
    const when = t.directExport ? 'as evidence arrives' : ctx.finiteInput ? 'at the end of the analysis' : `every ${t.pushDelay} seconds`;
    this.note(`Export enabled target=${this.client.discoveryUrl} collection=${t.collection} direct_export=${t.directExport} ` +
      `push_delay=${t.pushDelay} retry_max=${t.retryMax}`);
    ctx.print(SENDER, `Exporting alerts to STIX (${this.bundle.path}) and TAXII 2.1 collection "${t.collection}" at ${this.client.discoveryUrl} ${when}.`);
    if (!t.directExport && !ctx.finiteInput) {
      this.pushTimer = setInterval(() => this.kick(), t.pushDelay * 1000);
      this.pushTimer.unref();
    }
  }

  /** A line in exporting_alerts/stix_exporter.log (the original's log). */
  private note(text: string): void {
    try { appendFileSync(this.logPath, `${new Date().toISOString()} ${text}\n`); } catch { /* the folder is gone: nothing to log to */ }
  }

  evidence(ev: Evidence): void {
    const ind = indicatorOf(ev, this.wallNow());
    if (!ind) {
      this.skipped++;
      this.note(`Evidence skipped: no STIX pattern for attacker ${JSON.stringify(ev.attacker.value)} (${ev.attacker.ioc_type}) id=${ev.id}`);
      return;
    }
    this.incoming.push([ev.id, JSON.stringify(ind)]);
    this.bundle.add(ind);
    if (this.incoming.length >= FLUSH_EVERY) this.flush();
  }

  /** Once per traffic-time second: the bundle file and the queue get what came in. */
  trafficTime(): void { this.flush(); }

  private flush(): void {
    this.bundle.flush();
    if (!this.incoming.length) return;
    this.queue.addMany(this.incoming, this.wallNow());
    this.incoming = [];
    // While the server fails, the back-off timer decides when to try again.
    if (this.s.taxii.directExport && !this.failing) this.kick();
  }

  /** Starts a push round, or asks the running one to go on once more. */
  private kick(): void {
    if (this.running) { this.again = true; return; }
    this.running = (async () => {
      await new Promise<void>((r) => setImmediate(r));
      do { this.again = false; await this.pushDue(); } while (this.again && !this.closing);
      this.running = null;
      this.scheduleRetry();
    })();
  }

  private scheduleRetry(): void {
    if (this.retryTimer) { clearTimeout(this.retryTimer); this.retryTimer = null; }
    if (this.closing) return;
    // Retries follow the back-off in every mode: a push that failed is not left for the next push_delay.
    const at = this.queue.nextRetryAt();
    if (at === null) return;
    this.retryTimer = setTimeout(() => this.kick(), Math.max(0, (at - this.wallNow()) * 1000) + 10);
    this.retryTimer.unref();
  }

  /** Pushes everything that is due, batch by batch, until the queue is empty or a push fails. */
  private async pushDue(): Promise<void> {
    for (;;) {
      const rows = this.queue.take(this.wallNow(), BATCH);
      if (!rows.length) return;
      let target;
      try { target = await this.client.resolve(); } catch (e) { this.failed(rows, e); return; }
      for (const part of this.split(rows, target.maxContentLength)) {
        try {
          const status = await this.client.add(part.map((r) => r.json));
          this.accepted(part, status.failures ?? []);
        } catch (e) {
          this.failed(rows.slice(rows.indexOf(part[0]!)), e);
          return;
        }
      }
    }
  }

  /** Batches that fit the API root's max_content_length. */
  private split(rows: QueuedObject[], maxBytes: number): QueuedObject[][] {
    const parts: QueuedObject[][] = [];
    let cur: QueuedObject[] = [], size = ENVELOPE_BYTES;
    for (const r of rows) {
      const n = Buffer.byteLength(r.json) + 2;
      if (cur.length && size + n > maxBytes) { parts.push(cur); cur = []; size = ENVELOPE_BYTES; }
      cur.push(r); size += n;
    }
    if (cur.length) parts.push(cur);
    return parts;
  }

  private accepted(rows: QueuedObject[], failures: { id: string; message?: string }[]): void {
    const bad = new Map(failures.map((f) => [f.id, f.message ?? 'refused']));
    const ok = rows.filter((r) => !bad.has(`indicator--${r.evidenceId}`));
    const no = rows.filter((r) => bad.has(`indicator--${r.evidenceId}`));
    this.queue.delivered(ok);
    this.pushed += ok.length;
    if (no.length) {
      this.queue.refused(no.map((r) => ({ rowId: r.rowId, reason: bad.get(`indicator--${r.evidenceId}`)! })), this.wallNow());
      this.refused += no.length;
      this.log.error(`STIX: the TAXII server refused ${no.length} indicator(s), e.g. ${bad.get(`indicator--${no[0]!.evidenceId}`)}`);
    }
    if (this.failing) { this.log.print(`STIX: the TAXII server takes indicators again`); this.failing = null; }
    this.note(`Export success count=${ok.length} refused=${no.length} collection=${this.s.taxii.collection}`);
  }

  private failed(rows: QueuedObject[], e: unknown): void {
    const reason = why(e);
    const lost = this.queue.attemptFailed(rows, reason, this.wallNow());
    this.gaveUp += lost;
    this.note(`Export failed: ${reason} (${rows.length} indicator(s) back in the queue)`);
    if (this.failing !== reason) {
      this.failing = reason;
      this.log.error(`STIX: cannot push to the TAXII server (${this.client.discoveryUrl}): ${reason}; indicators stay queued and are retried`);
    }
    if (lost) this.log.error(`STIX: ${lost} indicator(s) failed ${this.s.taxii.retryMax} times and are not retried (status failed in stix_export_queue.sqlite)`);
  }

  async close(): Promise<void> {
    this.flush();
    this.bundle.close();
    if (this.pushTimer) clearInterval(this.pushTimer);
    const deadline = this.wallNow() + this.s.closeTimeout;
    // Push what is left, retrying within export_close_timeout.
    while (this.wallNow() < deadline) {
      this.kick();
      await this.running;
      const c = this.queue.counts();
      if (c.pending + c.retry === 0) break;
      const at = Math.min(this.queue.nextRetryAt() ?? deadline, deadline);
      await new Promise((r) => setTimeout(r, Math.max(10, (at - this.wallNow()) * 1000)));
    }
    this.closing = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.client.abort();
    await this.running;
    const c = this.queue.counts();
    const waiting = c.pending + c.retry + c.in_progress;
    this.queue.close();
    const summary = `STIX: ${this.bundle.objects} indicator(s) in STIX_data.json, ${this.pushed} pushed to TAXII collection ` +
      `"${this.s.taxii.collection}"` + (this.refused ? `, ${this.refused} refused by the server` : '') +
      (this.gaveUp || c.failed ? `, ${c.failed} failed` : '') + (this.skipped ? `, ${this.skipped} evidence without a STIX pattern` : '');
    this.note(summary);
    if (waiting) {
      this.log.error(`${summary}; ${waiting} not pushed yet (the server did not take them within export_close_timeout, ` +
        `${this.s.closeTimeout} s): they stay in databases/stix_export_queue.sqlite`);
    } else this.log.print(summary);
  }
}

export const stixSink: SinkFactory = (ctx: SinkContext) => {
  const s = exportSettings(ctx.settings.raw);
  if (!s.exportTo.has('stix')) return null;
  if (s.taxii.version === 1) {
    ctx.error(SENDER, 'STIX: taxii_version 1 (STIX 1.x to a TAXII 1.x inbox) is not supported; pushing with TAXII 2.1');
  }
  return new StixExporter(ctx, s);
};
