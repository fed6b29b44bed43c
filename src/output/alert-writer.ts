// Writes each processed evidence and alert to alerts.log, alerts.json and the console.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BufferedFile } from './buffered-file.js';
import { alertConsoleLines, alertLogLine, evidenceLogLine, idmefEventText, idmefIncident } from './alert-format.js';
import { pyJson } from './pyjson.js';
import type { Alert, Evidence } from '../evidence/types.js';
import type { AnalysisSink } from '../sinks/sink.js';
import type { Logger } from './logger.js';

export class AlertWriter implements AnalysisSink {
  readonly name = 'alerts';
  private readonly log: BufferedFile;
  private readonly json: BufferedFile;
  private readonly color: boolean;

  constructor(outputDir: string, private readonly logger: Logger,
    private readonly now: () => number, private readonly showAlerts: boolean) {
    const dir = join(outputDir, 'alerts');
    mkdirSync(dir, { recursive: true });
    this.log = new BufferedFile(join(dir, 'alerts.log'));
    this.json = new BufferedFile(join(dir, 'alerts.json'));
    // Written out together, alerts.json first, and each record goes to alerts.json first: so even
    // when the process is killed, alerts.log holds a prefix of what alerts.json holds.
    this.json.flushTogetherWith(this.log);
    this.color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  }

  evidence(ev: Evidence, accumulated: number, hostname: string): void {
    this.json.write(idmefEventText(ev, accumulated, this.now()) + '\n');
    this.log.write(evidenceLogLine(ev, hostname || undefined) + '\n');
  }

  alert(alert: Alert, evidence: Evidence[], hostname: string): void {
    this.json.write(pyJson(idmefIncident(alert, this.now())) + '\n');
    this.log.write(alertLogLine(alert, false, hostname || undefined) + '\n');
    const lines = alertConsoleLines(alert, evidence, hostname || undefined);
    this.logger.logOnly('evidence_handler_worker', lines);
    if (this.showAlerts) {
      this.logger.beforePrint();
      const [head, ...rest] = lines;
      const red = (s: string): string => (this.color ? `\x1b[31m${s}\x1b[0m` : s);
      const cyan = (s: string): string => (this.color ? `\x1b[36m${s}\x1b[0m` : s);
      this.logger.consoleOut.write(`[evidence_handler_worker] ${red(head!)}\n${rest.map(cyan).join('\n')}\n`);
    }
    // An alert is written out at once, and with it everything before it.
    this.flush();
    this.logger.flush();
  }

  flush(): void { this.log.flush(); this.json.flush(); }
  close(): void { this.log.close(); this.json.close(); }
}
