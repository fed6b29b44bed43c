// The Stratosphere behavioural letters (spec detections §13.1): one symbol per flow of a
// (destination, port, protocol) tuple, from periodicity, size and duration.

/** Letter table [periodicity][size class][duration class]; periodicity -1 is row 0. */
const TABLE: Record<number, string[]> = {
  [-1]: ['123', '456', '789'],
  1: ['abc', 'def', 'ghi'],
  2: ['ABC', 'DEF', 'GHI'],
  3: ['rst', 'uvw', 'xyz'],
  4: ['RST', 'UVW', 'XYZ'],
};

/** Timestamps of the two previous flows of a tuple, null when not seen yet. */
export interface TupleClock { last: number | null; lastLast: number | null }

export function durationClass(dur: number): 1 | 2 | 3 { return dur <= 0.1 ? 1 : dur <= 10 ? 2 : 3; }
export function sizeClass(bytes: number): 1 | 2 | 3 { return bytes <= 250 ? 1 : bytes <= 1100 ? 2 : 3; }

/** -1 without two previous flows; 1 strongly periodic ... 4 strongly not periodic. */
export function periodicity(t1: number | null, t2: number | null): -1 | 1 | 2 | 3 | 4 {
  if (t1 === null || t2 === null) return -1;
  let td: number;
  if (t1 === 0 || t2 === 0) td = 1;
  else td = t2 >= t1 ? t2 / t1 : t1 / t2;
  if (td <= 1.05) return 1;
  if (td <= 1.3) return 2;
  if (td <= 5) return 3;
  return 4;
}

export function timeChar(t2: number | null): string {
  if (t2 === null || t2 === 0) return '';
  if (t2 <= 5) return '.';
  if (t2 <= 60) return ',';
  if (t2 <= 300) return '+';
  if (t2 <= 3600) return '*';
  return '';
}

/**
 * The symbol of a flow at `now` given the tuple's clock, which is advanced in place
 * (last-last <- last, last <- now), as the original does for every flow.
 */
export function nextSymbol(clock: TupleClock, now: number, dur: number, bytes: number): string {
  let t1: number | null = null, t2: number | null = null;
  if (clock.last !== null && clock.lastLast !== null) {
    t1 = clock.last - clock.lastLast;
    t2 = now - clock.last;
  }
  const per = periodicity(t1, t2);
  const zeros = per !== -1 && t2 !== null && t2 >= 3600 ? '0'.repeat(Math.trunc(t2 / 3600)) : '';
  const letter = TABLE[per]![sizeClass(bytes) - 1]![durationClass(dur) - 1]!;
  clock.lastLast = clock.last;
  clock.last = now;
  return zeros + letter + timeChar(t2);
}
