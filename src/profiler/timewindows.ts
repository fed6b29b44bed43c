// Time-window arithmetic: one global grid whose origin is the first flow's time.

/** 100 years, as the original places the single window of `only_one_tw` before the first flow. */
const ONLY_ONE_TW_LEAD = 100 * 365 * 86400;

export class TimeWindowGrid {
  private origin: number | null = null;
  constructor(readonly width: number, readonly onlyOne = false) {}

  get start(): number | null { return this.origin; }

  /** Window number of a flow time: floor((ts - origin) / width) + 1 (0, -1, ... before the first flow). */
  numberFor(ts: number): number {
    if (this.onlyOne) { if (this.origin === null) this.origin = ts - ONLY_ONE_TW_LEAD; return 1; }
    if (this.origin === null) this.origin = ts;
    return Math.floor((ts - this.origin) / this.width) + 1;
  }

  startOf(n: number): number {
    if (this.origin === null) throw new Error('time-window grid has no origin yet');
    return this.onlyOne ? this.origin : this.origin + this.width * (n - 1);
  }

  endOf(n: number): number { return this.onlyOne ? this.origin! + this.width : this.startOf(n) + this.width; }
}

export const twId = (n: number): string => `timewindow${n}`;
export const profileId = (ip: string): string => `profile_${ip}`;

/** Width as the original prints it in slips.log: "1 hrs", "115740 days 17 hrs 46 mins 39 seconds". */
export function describeWidth(seconds: number): string {
  let s = Math.floor(seconds);
  const days = Math.floor(s / 86400); s -= days * 86400;
  const hrs = Math.floor(s / 3600); s -= hrs * 3600;
  const mins = Math.floor(s / 60); s -= mins * 60;
  const parts: string[] = [];
  if (days) parts.push(`${days} days`);
  if (hrs) parts.push(`${hrs} hrs`);
  if (mins) parts.push(`${mins} mins`);
  if (s) parts.push(`${s} seconds`);
  return parts.join(' ') || '0 seconds';
}
