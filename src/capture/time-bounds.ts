/**
 * The packet timestamps the engine accepts. A packet stamped outside this range (or not a finite
 * number) cannot be real traffic: a pcapng `if_tsresol`/`if_tsoffset` that does not fit the
 * stored values, a corrupt record, or a forged capture. Such a packet is reported with its
 * position and skipped, so no log the engine writes ever carries an impossible time.
 *
 * The bounds are those of the flow check every input shares (flows/validate.ts).
 */
import { TRAFFIC_TIME_MAX, TRAFFIC_TIME_MIN } from '../flows/validate.js';

export const PLAUSIBLE_PACKET_TIME = {
  /** 1970-01-01T00:00:00Z (inclusive): pcapng simple packet blocks carry no time and read as 0. */
  earliestSeconds: TRAFFIC_TIME_MIN,
  /** 2100-01-01T00:00:00Z (exclusive). */
  latestSeconds: TRAFFIC_TIME_MAX,
  description: 'between 1970-01-01 and 2100-01-01',
} as const;

/** True when `ts` (seconds since the epoch) can be a real packet's time. */
export function isPlausiblePacketTime(ts: number): boolean {
  // Written so NaN fails both comparisons.
  return ts >= PLAUSIBLE_PACKET_TIME.earliestSeconds && ts < PLAUSIBLE_PACKET_TIME.latestSeconds;
}
