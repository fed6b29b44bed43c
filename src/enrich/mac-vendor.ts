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

const cache = new Map<string, string | null>();

/** Organisation name registered for the MAC's prefix (longest of MA-S, MA-M, MA-L), or null. */
export function macVendor(mac: string): string | null {
  const hex = mac.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  if (hex.length < 6) return null;
  const hit = cache.get(hex.slice(0, 9));
  if (hit !== undefined) return hit;
  const t = load();
  let v: string | null = null;
  if (t) {
    const entry = t[hex.slice(0, 9)] ?? t[hex.slice(0, 7)] ?? t[hex.slice(0, 6)];
    if (entry) v = entry.split('\n')[0]!.trim() || null;
  }
  if (cache.size >= 10_000) cache.clear();
  cache.set(hex.slice(0, 9), v);
  return v;
}

/** True for locally administered (randomised) addresses, which have no vendor. */
export const isRandomisedMac = (mac: string): boolean => {
  const first = parseInt(mac.slice(0, 2), 16);
  return Number.isFinite(first) && (first & 0x02) !== 0;
};
