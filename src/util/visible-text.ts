// Attacker-controlled text (DNS names, user agents, hosts, URIs, certificate names, malformed
// lines) must not act on a terminal or a log: a newline would forge a log line, ESC would drive
// the terminal, bidi overrides would reorder what the reader sees. Such characters are shown
// visibly instead (\n, \x1b, \u202e). JSON outputs escape on their own and do not use this.

// C0 controls, DEL, C1 controls, line/paragraph separators, bidi embeddings/overrides/isolates,
// the BOM/zero-width no-break space.
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;
const CONTROL_ALL = new RegExp(CONTROL.source, 'g');

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function show(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The text with every control character written visibly; the same string when it has none. */
export function visibleText(s: string): string {
  return CONTROL.test(s) ? s.replace(CONTROL_ALL, show) : s;
}

/** Whether the text holds a character visibleText would rewrite. */
export const hasControlCharacters = (s: string): boolean => CONTROL.test(s);

/**
 * An error as log lines: its message made visible (it may quote input), then the stack frames,
 * which come from the program itself.
 */
export function errorLines(err: unknown): string[] {
  if (!(err instanceof Error)) return [visibleText(String(err))];
  const head = `${err.name}: ${err.message}`;
  const stack = err.stack ?? head;
  const frames = stack.startsWith(head) ? stack.slice(head.length) : stack.slice(stack.indexOf('\n') >>> 0);
  return [visibleText(head), ...frames.split('\n').filter((l) => l.trim() !== '').map(visibleText)];
}
