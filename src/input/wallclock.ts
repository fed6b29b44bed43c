// Timestamps written as wall-clock text (Argus, nfdump, Suricata) -> Unix epoch seconds.
// The zone of zone-less text is explicit (never silently the analysing machine's zone unless
// asked for with "local"), so the same file gives the same times on every machine.

/** Converts a wall-clock date and time in some zone to epoch milliseconds. */
export type ZoneConverter = (y: number, mo: number, d: number, h: number, mi: number, s: number) => number;

export class TimezoneError extends Error {}

const OFFSET_RE = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/i;

/**
 * "UTC" (also "Z", "GMT"), "local" (the machine's zone, the original's behaviour), a fixed
 * offset ("+01:00", "-0500", "UTC+2") or an IANA zone name ("Europe/Prague").
 */
export function zoneConverter(zone: string): ZoneConverter {
  const z = zone.trim();
  if (/^(utc|z|gmt|utc0|etc\/utc)$/i.test(z)) return (y, mo, d, h, mi, s) => Date.UTC(y, mo - 1, d, h, mi, 0) + s * 1000;
  if (/^local$/i.test(z)) return (y, mo, d, h, mi, s) => new Date(y, mo - 1, d, h, mi, 0).getTime() + s * 1000;
  const m = OFFSET_RE.exec(z);
  if (m) {
    const off = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) * 60_000;
    return (y, mo, d, h, mi, s) => Date.UTC(y, mo - 1, d, h, mi, 0) + s * 1000 - off;
  }
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: z, hourCycle: 'h23', year: 'numeric', month: 'numeric',
      day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  } catch {
    throw new TimezoneError(`unknown time zone "${zone}" (use UTC, local, an offset like +01:00, or a name like Europe/Prague)`);
  }
  /** Offset (ms) of the zone at an instant. */
  const offsetAt = (ms: number): number => {
    const p: Record<string, number> = {};
    for (const part of fmt.formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(ms / 1000) * 1000;
  };
  // Offsets change at most a few times a year: cache them per wall-clock hour (bounded).
  const cache = new Map<number, number>();
  return (y, mo, d, h, mi, s) => {
    const wall = Date.UTC(y, mo - 1, d, h, mi, 0);
    const key = wall - mi * 60_000;
    let off = cache.get(key);
    if (off === undefined) {
      // The offset at (wall - offset) is right except within a transition; one refinement settles it.
      const guess = offsetAt(key);
      off = offsetAt(key - guess);
      if (cache.size > 4096) cache.clear();
      cache.set(key, off);
    }
    return wall + s * 1000 - off;
  };
}

const DATE_TIME_RE = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[T ](\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)\s*(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * "2019/04/04 16:23:00.325010", "2018-01-12 15:37:47", "2021-06-06T15:59:46.457984+0200" or epoch
 * seconds. Text with its own offset ignores `zone`. Returns NaN when not a time.
 */
export function parseWallClock(text: string, zone: ZoneConverter): number {
  const t = text.trim();
  const m = DATE_TIME_RE.exec(t);
  if (!m) {
    if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
    return NaN;
  }
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]), h = Number(m[4]), mi = Number(m[5]);
  const secText = m[6]!;
  const s = Number(secText);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s >= 61) return NaN;
  const whole = Math.floor(s);
  // Keep the fraction exactly as written (microseconds survive the float arithmetic better this way).
  const dot = secText.indexOf('.');
  const frac = dot >= 0 ? Number('0' + secText.slice(dot)) : 0;
  const tz = m[7];
  let ms: number;
  if (tz) {
    const sign = tz[0] === '-' ? -1 : 1;
    const digits = tz.replace(':', '');
    const off = tz === 'Z' ? 0 : sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * 60_000;
    ms = Date.UTC(y, mo - 1, d, h, mi, whole) - off;
  } else ms = zone(y, mo, d, h, mi, whole);
  return ms / 1000 + frac;
}

export const UTC: ZoneConverter = zoneConverter('UTC');
