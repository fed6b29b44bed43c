// export_to: json -- every evidence and alert as one IDMEFv2 JSON object per line (the objects of
// alerts/alerts.json) to a file or standard output, for Logstash, Vector or Fluent Bit. Writes go
// through the thread pool, so a slow reader of standard output holds back the queue, not the analysis.
import { mkdirSync, openSync, write, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SinkContext, SinkFactory } from '../sinks/sink.js';
import { idmefEventText, idmefIncident } from '../output/alert-format.js';
import { pyJson } from '../output/pyjson.js';
import { nowEpoch } from '../util/time.js';
import type { Transport } from './queue.js';
import { exportSettings, inOutputDir } from './settings.js';
import { queuedSink, SENDER } from './common.js';

export class FdTransport implements Transport<string> {
  private fd: number | null = null;
  constructor(readonly description: string, private readonly openFd: () => number, private readonly ownsFd: boolean) {}

  async send(batch: readonly string[]): Promise<void> {
    this.fd ??= this.openFd();
    const fd = this.fd;
    let buf = Buffer.from(batch.join(''));
    while (buf.length) {
      const n = await new Promise<number>((resolve, reject) => write(fd, buf, 0, buf.length, null, (err, written) => {
        // A non-blocking pipe that is full answers EAGAIN: wait a little and write the rest.
        if (err?.code === 'EAGAIN') setTimeout(() => resolve(0), 20);
        else if (err) reject(err);
        else resolve(written);
      }));
      buf = buf.subarray(n);
    }
  }

  close(): void {
    if (this.fd !== null && this.ownsFd) closeSync(this.fd);
    this.fd = null;
  }
}

export const jsonLinesSink: SinkFactory = (ctx: SinkContext) => {
  const s = exportSettings(ctx.settings.raw);
  if (!s.exportTo.has('json')) return null;
  const target = s.jsonLinesOutput.trim();
  const toStdout = target === 'stdout' || target === '-';
  const path = toStdout ? '' : inOutputDir(ctx.outputDir, target);
  if (toStdout) ctx.claimStandardOutput();
  const transport = toStdout
    ? new FdTransport('standard output', () => 1, false)
    : new FdTransport(path, () => { mkdirSync(dirname(path), { recursive: true }); return openSync(path, 'a'); }, true);
  ctx.print(SENDER, `Exporting evidence and alerts as JSON lines to ${transport.description}.`);
  return queuedSink('json', ctx, s, transport, {
    // The IDMEF text is ASCII with every control and non-ASCII character escaped.
    evidence: (ev, accumulated) => idmefEventText(ev, accumulated, nowEpoch()) + '\n',
    alert: (a) => pyJson(idmefIncident(a, nowEpoch())) + '\n',
  }, 1024);
};
