// How the original (Python) prints numbers and lists in evidence texts, in one place: users grep
// for these texts, so "1.0" must stay "1.0" and ['a', 'b'] stay ['a', 'b'].

/** Python's str() of a float: integral values keep one decimal ("1.0", "104.857601"). */
export function pyFloat(x: number): string {
  // Python switches to exponent notation at 1e16, as String() does at 1e21: both agree below.
  return Number.isInteger(x) && Math.abs(x) < 1e16 ? x.toFixed(1) : String(x);
}

/** Python's round(x, 2) (for confidences the original computes). */
export const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Python's str(round(x, 2)). */
export const pyRound2 = (x: number): string => pyFloat(round2(x));

/** Python's repr of a list of strings: ['a', 'b']. */
export const pyList = (xs: readonly string[]): string => `[${xs.map((x) => `'${x}'`).join(', ')}]`;
