// The one check every reader applies to a flow before the pipeline sees it: values no real
// capture can hold (timestamps outside 1970-2100, Infinity/NaN, negative counts, ports over
// 65535, text where a number belongs) make the record malformed, reported with its file and line.
// Downstream code (time windows, AID hashes, detectors) may then rely on sane numbers.
import type { Flow } from './types.js';
import { ipFacts } from '../util/ip.js';

/** Traffic times accepted (epoch seconds): from 1970-01-01 (inclusive) to 2100-01-01 UTC (exclusive). */
export const TRAFFIC_TIME_MIN = 0;
export const TRAFFIC_TIME_MAX = 4_102_444_800;
/** Largest count accepted: beyond 2^53 a double no longer holds every integer. */
const COUNT_MAX = Number.MAX_SAFE_INTEGER;

export const isTrafficTime = (t: number): boolean => t >= TRAFFIC_TIME_MIN && t < TRAFFIC_TIME_MAX;

const badTime = (name: string, v: number): string =>
  Number.isFinite(v) ? `impossible ${name} ${v} (outside 1970-2100)` : `invalid ${name} (${v === v ? v : 'not a number'})`;
const countProblem = (name: string, v: number): string | null =>
  v >= 0 && v <= COUNT_MAX ? null : `invalid ${name} ${v === v ? v : '(not a number)'}`;
const portProblem = (name: string, v: number): string | null =>
  Number.isInteger(v) && v >= 0 && v <= 65535 ? null : `invalid ${name} ${v === v ? v : '(not a number)'} (not a port)`;

/** What is impossible about a flow, or null when its values are sane. */
export function flowProblem(f: Flow): string | null {
  if (!isTrafficTime(f.starttime)) return badTime('timestamp', f.starttime);
  let p: string | null = null;
  switch (f.type_) {
    case 'conn': case 'argus': case 'nfdump':
      if (!(f.dur >= 0 && f.dur < TRAFFIC_TIME_MAX)) return `invalid duration ${f.dur === f.dur ? f.dur : '(not a number)'}`;
      if (!isTrafficTime(f.endtime)) return badTime('end time', f.endtime);
      p = countProblem('orig_bytes', f.sbytes) ?? countProblem('resp_bytes', f.dbytes) ?? countProblem('orig_pkts', f.spkts)
        ?? countProblem('resp_pkts', f.dpkts) ?? countProblem('bytes', f.bytes) ?? countProblem('packets', f.pkts);
      break;
    case 'http':
      p = countProblem('request_body_len', f.request_body_len) ?? countProblem('response_body_len', f.response_body_len);
      break;
    case 'ssh': p = countProblem('auth_attempts', f.auth_attempts); break;
    case 'files': p = countProblem('total_bytes', f.size); break;
    case 'dns': for (const t of f.TTLs) if ((p = countProblem('TTL', t))) break; break;
    case 'alert': p = countProblem('signature_id', f.signature_id) ?? countProblem('severity', f.severity); break;
    case 'ssl':
      if (f.not_valid_before !== null && !Number.isFinite(f.not_valid_before)) return 'invalid certificate not_valid_before';
      if (f.not_valid_after !== null && !Number.isFinite(f.not_valid_after)) return 'invalid certificate not_valid_after';
      break;
  }
  if (p) return p;
  if ('sport' in f && (p = portProblem('source port', f.sport))) return p;
  if ('dport' in f && (p = portProblem('destination port', f.dport))) return p;
  return null;
}

/**
 * Whether the pipeline can profile the flow: the original drops records whose endpoints are not
 * IP addresses (software and weird records need only a source).
 */
export function hasIpEndpoints(f: Flow): boolean {
  if (!ipFacts(f.saddr).valid) return false;
  return f.type_ === 'software' || f.type_ === 'weird' || ipFacts(f.daddr).valid;
}
