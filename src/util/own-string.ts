// Copies of parsed strings that do not keep their log line alive.

/**
 * A copy of a string that does not share memory with the line it was parsed from. V8 keeps a
 * substring of 13 or more characters as a view on its parent (and so does a concatenation of it),
 * so every stored address would otherwise pin its whole log line. Use it for what is kept, not
 * for lookups.
 */
export function ownString(s: string): string {
  // A round trip through bytes gives a plain string of exactly this length. (Slicing a
  // concatenation, `(' ' + s).slice(1)`, is faster but keeps a view plus a one-longer copy: more
  // memory for every string kept, and the analysis was no faster with it.)
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}
