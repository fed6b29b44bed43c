// Terminal niceties: the banner, a live progress line on stderr (TTY only) and the final summary.

export const DASHES = '-'.repeat(27);

export function banner(version: string, implementation: string): string {
  return `Slips Version: ${version} (${implementation})\nhttps://stratosphereips.org\n${DASHES}`;
}

/** A single updating stderr line with flows/s; silent when stderr is not a terminal. */
export class Progress {
  private readonly enabled: boolean;
  private readonly started = Date.now();
  private lastDraw = 0;
  private visible = false;
  private count = 0;

  constructor(private readonly total: number | null, enabled = Boolean(process.stderr.isTTY)) { this.enabled = enabled; }

  tick(n = 1): void {
    this.count += n;
    if (!this.enabled || (this.count & 4095) !== 0) return;
    const now = Date.now();
    if (now - this.lastDraw < 200) return;
    this.lastDraw = now;
    this.draw(now);
  }

  private draw(now: number): void {
    const secs = (now - this.started) / 1000;
    const rate = secs > 0 ? Math.round(this.count / secs) : 0;
    let bar = '';
    if (this.total) {
      const frac = Math.min(1, this.count / this.total);
      const w = 30, filled = Math.round(frac * w);
      bar = `[${'#'.repeat(filled)}${'.'.repeat(w - filled)}] ${(frac * 100).toFixed(1)}% `;
    }
    process.stderr.write(`\r\x1b[2K${bar}${this.count.toLocaleString('en')} flows, ${rate.toLocaleString('en')} flows/s`);
    this.visible = true;
  }

  /** Clears the line so that other output is not mixed into it. */
  clear(): void {
    if (this.enabled && this.visible) { process.stderr.write('\r\x1b[2K'); this.visible = false; }
  }
}

export interface Summary {
  flows: number; profiles: number; evidence: number; alerts: number; seconds: number; malformed: number; dropped: number;
}

export function summaryText(s: Summary): string {
  const rate = s.seconds > 0 ? Math.round(s.flows / s.seconds) : s.flows;
  const lines = [
    DASHES,
    `Analysed ${s.flows} flows from ${s.profiles} profiles in ${s.seconds.toFixed(2)} s (${rate} flows/s).`,
    `Evidence: ${s.evidence}. Alerts: ${s.alerts}.`,
  ];
  if (s.malformed) lines.push(`Skipped ${s.malformed} malformed input records (see errors.log).`);
  if (s.dropped) lines.push(`Ignored ${s.dropped} records without IP endpoints.`);
  return lines.join('\n');
}
