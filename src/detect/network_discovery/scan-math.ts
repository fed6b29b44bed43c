// The arithmetic of the original's scan detections, kept pure so the unit tests can pin it.
import { pyFloat } from '../../util/py-format.js';
import { ipFacts } from '../../util/ip.js';

/** A scan needs more than this many distinct targets before its first report. */
export const MIN_SCAN_TARGETS = 5;

/** log10 bucket of a positive integer count, computed from its digits so that 1000 is exactly 3. */
export function scanBucket(count: number): number {
  return count < 1 ? -1 : String(Math.trunc(count)).length - 1;
}

/**
 * The original reports a port scan when the distinct-target count exceeds 5 and reaches a new
 * log10 bucket (first at 10, then 100, 1000, ... per time window). `lastBucket` starts at 0.
 */
export function shouldReportScan(lastBucket: number, count: number): boolean {
  return count > MIN_SCAN_TARGETS && scanBucket(count) > lastBucket;
}

/** Packet-count confidence of port scans: more than 10 packets is certain; none at all is 0.3. */
export function scanConfidence(pkts: number): number {
  if (pkts > 10) return 1;
  if (pkts === 0) return 0.3;
  return pkts / 10;
}

/** The confidence as the original prints it (an int 1, else a Python float: "1.0", "0.3"). */
export function scanConfidenceText(pkts: number): string {
  return pkts > 10 ? '1' : pyFloat(scanConfidence(pkts));
}


/** ICMP sweep confidence from the number of swept hosts (5 -> 0, 255 and more -> 1). */
export function icmpSweepConfidence(hosts: number): number {
  const c = (hosts - 255) / 250 + 1;
  return Math.max(0, Math.min(1, Math.round(c * 100) / 100));
}

/**
 * Whether an address is worth counting as a scan target (Slips' are_detection_modules_interested_in_this_ip):
 * valid and not multicast, link-local, loopback or reserved (private addresses are allowed).
 */
export function isScanTarget(ip: string): boolean {
  const f = ipFacts(ip);
  return f.valid && !f.multicast && !f.linkLocal && !f.loopback && !f.reserved;
}
