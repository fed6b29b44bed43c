// JSON with Python's default `json.dumps` separators (", " and ": "), as the original writes
// alerts.json and its embedded Note strings. Non-ASCII is escaped as Python does by default.

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json | undefined };

const NON_ASCII = /[\u007f-\uffff]/;
const NON_ASCII_ALL = /[\u007f-\uffff]/g;
export const escapeNonAscii = (s: string): string =>
  NON_ASCII.test(s) ? s.replace(NON_ASCII_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : s;

/**
 * JSON.stringify, then Python's separators inserted in one pass over the (ASCII, once non-ASCII is
 * escaped) text, skipping string contents. Written into a byte buffer: repeated string
 * concatenation was the slowest part of writing alerts.json. (Small buffers come from Node's pool.)
 */
export function pyJson(v: Json): string {
  const s = escapeNonAscii(JSON.stringify(v) ?? 'null');
  const out = Buffer.allocUnsafe(s.length * 2);
  let o = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[o++] = c;
    if (inString) {
      if (c === 92 /* backslash */) out[o++] = s.charCodeAt(++i);
      else if (c === 34 /* quote */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 44 /* , */ || c === 58 /* : */) out[o++] = 32;
  }
  return out.toString('latin1', 0, o);
}
