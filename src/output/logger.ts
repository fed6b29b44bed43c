// slips.log, errors.log and the console: every message goes through here.
import { join } from 'node:path';
import { BufferedFile } from './buffered-file.js';
import { humanLocal, nowEpoch } from '../util/time.js';
import type { InputErrorSink } from '../input/reader.js';
import { visibleText } from '../util/visible-text.js';

export interface LogLevel { verbose?: number; debug?: number }

/**
 * A message: one string is one line, and any control character in it (a newline too) is written
 * visibly, since messages may quote input. Several lines are given as an array of lines the caller
 * has made visible itself (e.g. with util/visible-text.ts); the first is stamped, the rest follow.
 */
export type Message = string | readonly string[];
const messageText = (m: Message): string => (typeof m === 'string' ? visibleText(m) : m.join('\n'));

/** How many input errors per file are echoed on stderr before only errors.log gets them. */
const STDERR_ERRORS_PER_FILE = 20;

export class Logger implements InputErrorSink {
  private slipsLog: BufferedFile | null = null;
  private errorsLog: BufferedFile | null = null;
  private readonly perFileErrors = new Map<string, number>();
  inputErrorCount = 0;
  /** Where the console's lines go: standard output, unless a sink claimed it for a machine stream. */
  consoleOut: NodeJS.WriteStream = process.stdout;
  /** Hook used by the progress bar to clear its line before something else is printed. */
  beforePrint: () => void = () => {};

  constructor(private readonly verbose: number, private readonly debug: number, private readonly quiet = false) {}

  open(outputDir: string): void {
    this.slipsLog = new BufferedFile(join(outputDir, 'slips.log'), 1 << 14);
    this.errorsLog = new BufferedFile(join(outputDir, 'errors.log'), 1 << 12);
  }

  private stamp(sender: string, text: string): string { return `${humanLocal(nowEpoch())} [${sender}] ${text}\n`; }

  /** A message shown when `0 < verbose <= -v` or `0 < debug <= -e`, always written to slips.log. */
  print(sender: string, message: Message, level: LogLevel = { verbose: 1 }): void {
    const text = messageText(message);
    const v = level.verbose ?? 0, d = level.debug ?? 0;
    this.slipsLog?.write(this.stamp(sender, text));
    if (d === 1) this.errorsLog?.write(this.stamp(sender, text));
    const shown = (v > 0 && v <= this.verbose) || (d > 0 && d <= this.debug);
    if (shown && !this.quiet) {
      this.beforePrint();
      const prefix = text.includes('Start') ? '' : `[${sender}] `;
      const line = `${prefix}${text}\n`;
      if (d > 0) process.stderr.write(line); else this.consoleOut.write(line);
    }
  }

  /** Written to slips.log only. */
  logOnly(sender: string, message: Message): void { this.slipsLog?.write(this.stamp(sender, messageText(message))); }

  /** An error: errors.log and slips.log, and stderr. */
  error(sender: string, message: Message): void {
    const text = messageText(message);
    this.slipsLog?.write(this.stamp(sender, text));
    this.errorsLog?.write(this.stamp(sender, text));
    this.beforePrint();
    process.stderr.write(`[${sender}] ${text}\n`);
  }

  inputError(file: string, line: number, message: string): void {
    this.inputErrorCount++;
    const where = line > 0 ? `${file}:${line}` : file;
    const text = visibleText(`${where}: ${message}; skipped`);
    this.errorsLog?.write(this.stamp('input', text));
    const n = (this.perFileErrors.get(file) ?? 0) + 1;
    this.perFileErrors.set(file, n);
    if (n <= STDERR_ERRORS_PER_FILE) {
      this.beforePrint();
      process.stderr.write(`[input] ${text}\n`);
      if (n === STDERR_ERRORS_PER_FILE) process.stderr.write(`[input] ${file}: further errors of this file are only written to errors.log\n`);
    }
  }

  flush(): void { this.slipsLog?.flush(); this.errorsLog?.flush(); }
  close(): void { this.slipsLog?.close(); this.errorsLog?.close(); this.slipsLog = this.errorsLog = null; }
}
