// Numbers written as text in logs. JavaScript's Number() also accepts hex ("0x1f"), binary,
// "Infinity" and surrounding blanks; no log format writes those, so they are rejected here.

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The value of a decimal number written as text, NaN for anything else. */
export const parseDecimal = (s: string): number => (DECIMAL.test(s) ? Number(s) : NaN);
