// MAC address -> vendor, offline, from the IEEE registries shipped by the `oui-data` package
// (BSD licence). The 5.6 MB table is parsed on first use only.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

let table: Record<string, string> | null | undefined;

function load(): Record<string, string> | null {
  if (table !== undefined) return table;
  try {
    const req = createRequire(import.meta.url);
    table = JSON.parse(readFileSync(req.resolve('oui-data'), 'utf8')) as Record<string, string>;
  } catch {
    table = null;
  }
  return table;
}

/** Answers by MAC as written (most lookups repeat the same few addresses), bounded. */
const byMac = new Map<string, string | null>();
const CACHE_LIMIT = 10_000;

/** Organisation name registered for the MAC's prefix (longest of MA-S, MA-M, MA-L), or null. */
export function macVendor(mac: string): string | null {
  const hit = byMac.get(mac);
  if (hit !== undefined) return hit;
  const hex = mac.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  let v: string | null = null;
  const t = hex.length >= 6 ? load() : null;
  if (t) {
    const entry = t[hex.slice(0, 9)] ?? t[hex.slice(0, 7)] ?? t[hex.slice(0, 6)];
    if (entry) v = entry.split('\n')[0]!.trim() || null;
  }
  if (byMac.size >= CACHE_LIMIT) byMac.clear();
  byMac.set(mac, v);
  return v;
}

/** True for locally administered (randomised) addresses, which have no vendor. */
export const isRandomisedMac = (mac: string): boolean => {
  const first = parseInt(mac.slice(0, 2), 16);
  return Number.isFinite(first) && (first & 0x02) !== 0;
};
