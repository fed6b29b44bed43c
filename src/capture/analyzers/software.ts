/** software.log records: a software string parsed into Zeek's version fields. */
import type { AppContext } from './framework.js';

/**
 * Parses a software string into Zeek's software.log version fields ("Name/1.2.3 (addl)" or
 * "Name 1.2.3"). Only the common shapes; the unparsed text is always kept.
 */
export function parseSoftwareVersion(s: string): { name: string; major?: number; minor?: number; minor2?: number; minor3?: number; addl?: string } {
  const m = /^([^\d/_ ]+?)[/_ -]*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?([^\s]*)?/.exec(s);
  if (!m) return { name: s };
  const out: ReturnType<typeof parseSoftwareVersion> = { name: m[1]!.trim(), major: Number(m[2]) };
  if (m[3] !== undefined) out.minor = Number(m[3]);
  if (m[4] !== undefined) out.minor2 = Number(m[4]);
  if (m[5] !== undefined) out.minor3 = Number(m[5]);
  const addl = m[6]?.replace(/^[-_.]/, '');
  if (addl) out.addl = addl;
  return out;
}

export function emitSoftware(ctx: AppContext, host: string, hostP: number | undefined, type: string, unparsed: string): void {
  const v = parseSoftwareVersion(unparsed);
  const rec: Record<string, unknown> = { ts: ctx.conn.now(), host };
  if (hostP !== undefined) rec.host_p = hostP;
  rec.software_type = type;
  rec.name = v.name;
  if (v.major !== undefined) rec['version.major'] = v.major;
  if (v.minor !== undefined) rec['version.minor'] = v.minor;
  if (v.minor2 !== undefined) rec['version.minor2'] = v.minor2;
  if (v.minor3 !== undefined) rec['version.minor3'] = v.minor3;
  if (v.addl !== undefined) rec['version.addl'] = v.addl;
  rec.unparsed_version = unparsed;
  ctx.conn.emit('software', rec);
}
