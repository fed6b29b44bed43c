// Writes each processed evidence and alert to alerts.log, alerts.json, the database and the console.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BufferedFile } from './buffered-file.js';
import { alertConsoleLines, alertLogLine, evidenceLogLine, idmefEventText, idmefIncident } from './alert-format.js';
import { pyJson } from './pyjson.js';
import type { Alert, Evidence } from '../evidence/types.js';
import type { EvidenceOutputs } from '../evidence/handler.js';
import type { FlowDatabase } from '../store/flow-db.js';
import type { Logger } from './logger.js';

export class AlertWriter implements EvidenceOutputs {
  private readonly log: BufferedFile;
  private readonly json: BufferedFile;
  private readonly color: boolean;

  constructor(outputDir: string, private readonly db: FlowDatabase, private readonly logger: Logger,
    private readonly now: () => number, private readonly showAlerts: boolean) {
    const dir = join(outputDir, 'alerts');
    mkdirSync(dir, { recursive: true });
    this.log = new BufferedFile(join(dir, 'alerts.log'));
    this.json = new BufferedFile(join(dir, 'alerts.json'));
    // Both always hold the same evidence and alerts, even when the process is killed.
    this.json.flushTogetherWith(this.log);
    this.color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  }

  evidence(ev: Evidence, accumulated: number, hostname: string): void {
    this.log.write(evidenceLogLine(ev, hostname || undefined) + '\n');
    this.json.write(idmefEventText(ev, accumulated, this.now()) + '\n');
    this.db.addEvidence(ev);
  }

  alert(alert: Alert, evidence: Evidence[], hostname: string): void {
    this.log.write(alertLogLine(alert, false, hostname || undefined) + '\n');
    this.json.write(pyJson(idmefIncident(alert, this.now())) + '\n');
    const uids = new Set<string>();
    for (const e of evidence) for (const u of e.uid) uids.add(u);
    this.db.addAlert(alert, uids);
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
