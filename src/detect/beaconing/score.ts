// Beacon scoring: how clock-like a series of connections is. Pure functions over numbers so the
// score can be reproduced by hand from the sub-scores (all in [0, 1]) printed in the evidence.

/** Connections closer than this to the previous one are the same check-in (parallel connections). */
export const CHECKIN_MERGE_SECONDS = 0.5;

/** Quantile of an ascending array by linear interpolation between closest ranks. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Bowley (quartile) skewness in [-1, 1]; 0 for a symmetric or constant distribution. */
export function bowleySkew(sorted: ArrayLike<number>): number {
  const q1 = quantile(sorted, 0.25), q2 = quantile(sorted, 0.5), q3 = quantile(sorted, 0.75);
  const iqr = q3 - q1;
  if (!(iqr > 0)) return 0;
  return (q3 + q1 - 2 * q2) / iqr;
}

/** Median absolute deviation from the median. */
export function medianAbsDeviation(sorted: ArrayLike<number>, median: number): number {
  const dev = Float64Array.from({ length: sorted.length }, (_, i) => Math.abs(sorted[i]! - median));
  dev.sort();
  return quantile(dev, 0.5);
}

/** 1 when values are all alike, falling to 0 as their spread reaches their median. */
function regularity(sorted: Float64Array): { skew: number; dispersion: number; median: number } {
  const median = quantile(sorted, 0.5);
  const mad = medianAbsDeviation(sorted, median);
  const skew = 1 - Math.abs(bowleySkew(sorted));
  const dispersion = mad === 0 ? 1 : median > 0 ? Math.max(0, 1 - mad / median) : 0;
  return { skew, dispersion, median };
}

export interface BeaconScore {
  /** (2 x timingRegularity + sizeRegularity + persistence) / 4 */
  score: number;
  /** Cube root of intervalSkew x intervalDispersion x continuity. */
  timingRegularity: number;
  /** 1 - |Bowley skewness| of the intervals between check-ins. */
  intervalSkew: number;
  /** 1 - MAD / median of the intervals (jitter relative to the period). */
  intervalDispersion: number;
  /** Mean of the same two measures over the bytes the source sent per connection. */
  sizeRegularity: number;
  /** Share of the source's active time in the window that the series spans. */
  persistence: number;
  /** Share of the series' span that regular check-ins explain ((check-ins - 1) x median interval / span): low for bursts with long pauses. */
  continuity: number;
  checkins: number;
  connections: number;
  medianInterval: number;
  span: number;
}

/**
 * Scores a series of connections (times need not be sorted). `activeSpan` is how long the source
 * was seen active in the window; null when there are fewer than `minCheckins` check-ins.
 */
export function scoreBeacon(times: ArrayLike<number>, sizes: ArrayLike<number>, activeSpan: number, minCheckins: number): BeaconScore | null {
  const n = times.length;
  if (n < minCheckins) return null;
  const t = Float64Array.from(times).sort();
  const checkins: number[] = [t[0]!];
  for (let i = 1; i < n; i++) if (t[i]! - checkins[checkins.length - 1]! >= CHECKIN_MERGE_SECONDS) checkins.push(t[i]!);
  if (checkins.length < minCheckins) return null;
  const intervals = new Float64Array(checkins.length - 1);
  for (let i = 1; i < checkins.length; i++) intervals[i - 1] = checkins[i]! - checkins[i - 1]!;
  intervals.sort();
  const timing = regularity(intervals);
  const s = Float64Array.from(sizes).sort();
  const size = regularity(s);
  const span = checkins[checkins.length - 1]! - checkins[0]!;
  const persistence = activeSpan > 0 ? Math.min(1, span / activeSpan) : 1;
  const continuity = span > 0 ? Math.min(1, ((checkins.length - 1) * timing.median) / span) : 0;
  const sizeRegularity = (size.skew + size.dispersion) / 2;
  // Timing counts double, and its three measures multiply: bursts with long pauses look regular
  // to the robust skew and MAD but not to continuity, and any one of them failing is enough.
  const timingRegularity = Math.cbrt(timing.skew * timing.dispersion * continuity);
  const score = (2 * timingRegularity + sizeRegularity + persistence) / 4;
  return {
    score, timingRegularity, intervalSkew: timing.skew, intervalDispersion: timing.dispersion, sizeRegularity, persistence, continuity,
    checkins: checkins.length, connections: n, medianInterval: timing.median, span,
  };
}
