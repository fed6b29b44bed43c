// Creation dates as domain-age files, RDAP and whois servers write them, to epoch seconds (UTC
// unless the text names an offset). Local-time interpretation is never used, so a run does not
// depend on the machine's time zone.
const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10,
  nov: 11, dec: 12 };

const ISO = /^(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?/i;
const DAY_MON_YEAR = /^(\d{1,2})[- ]([a-z]{3})[a-z]*[- ,]+(\d{4})/i;
const MON_DAY_YEAR = /^(?:[a-z]{3},? )?([a-z]{3})[a-z]* (\d{1,2}),? (?:(\d{1,2}):(\d{2}):(\d{2}) (?:[a-z]{2,4} )?)?(\d{4})/i;
const DAY_MONTH_YEAR = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})/;

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}

/** Epoch seconds of a creation date, or undefined when the text is not a date this parser knows. */
export function parseCreationDate(text: string): number | undefined {
  const s = text.trim();
  if (!s) return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    // Epoch milliseconds (13 digits) are accepted too.
    return n >= 1e11 ? n / 1000 : n;
  }
  let m = ISO.exec(s);
  if (m) {
    const base = utc(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
    if (base === undefined) return undefined;
    const frac = m[7] ? Number(m[7]) : 0;
    const zone = m[8]?.toUpperCase();
    let offset = 0;
    if (zone && zone !== 'Z' && zone !== 'UTC' && zone !== 'GMT') {
      const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
      offset = (z[1] === '-' ? -1 : 1) * (+z[2]! * 3600 + +z[3]! * 60);
    }
    return base + frac - offset;
  }
  m = DAY_MON_YEAR.exec(s);
  if (m) { const mo = MONTHS[m[2]!.toLowerCase()]; return mo ? utc(+m[3]!, mo, +m[1]!) : undefined; }
  m = MON_DAY_YEAR.exec(s);
  if (m) {
    const mo = MONTHS[m[1]!.toLowerCase()];
    return mo ? utc(+m[6]!, mo, +m[2]!, +(m[3] ?? 0), +(m[4] ?? 0), +(m[5] ?? 0)) : undefined;
  }
  m = DAY_MONTH_YEAR.exec(s);
  if (m) return utc(+m[3]!, +m[2]!, +m[1]!);
  return undefined;
}
