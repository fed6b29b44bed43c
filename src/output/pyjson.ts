// JSON with Python's default `json.dumps` separators (", " and ": "), as the original writes
// alerts.json and its embedded Note strings. Non-ASCII is escaped as Python does by default.

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json | undefined };

const escapeNonAscii = (s: string): string =>
  s.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function pyJson(v: Json): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return escapeNonAscii(JSON.stringify(v));
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(pyJson).join(', ')}]`;
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v)) if (x !== undefined) parts.push(`${escapeNonAscii(JSON.stringify(k))}: ${pyJson(x)}`);
  return `{${parts.join(', ')}}`;
}
