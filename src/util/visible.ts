// Attacker-controlled text made safe for terminals and line-oriented receivers: control characters
// (C0, DEL, C1), the Unicode line and paragraph separators and the bidirectional-override marks are
// shown as escapes (\x1b, \u202e) instead of being emitted, so they can neither move a cursor,
// recolour a screen, split a log line nor reorder what a reader sees.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

function escapeChar(c: string): string {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/** `s` with every unsafe character written as a visible escape; `s` itself when it has none. */
export function visible(s: string): string {
  return UNSAFE.test(s) ? s.replace(UNSAFE_ALL, escapeChar) : s;
}
