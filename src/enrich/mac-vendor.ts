// MAC address -> vendor, offline, from the IEEE registries shipped by the `oui-data` package
// (BSD licence). The 5.6 MB table is parsed on first use only.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const CACHE_LIMIT = 10_000;

function loadTable(): Record<string, string> | null {
  try {
    const req = createRequire(import.meta.url);
    return JSON.parse(readFileSync(req.resolve('oui-data'), 'utf8')) as Record<string, string>;
  } catch {
    return null;
  }
}

export class MacVendors {
  private table: Record<string, string> | null | undefined = undefined;
  /** Answers by MAC as written (most lookups repeat the same few addresses), bounded. */
  private readonly byMac = new Map<string, string | null>();

  /** Organisation name registered for the MAC's prefix (longest of MA-S, MA-M, MA-L), or null. */
  vendor(mac: string): string | null {
    const hit = this.byMac.get(mac);
    if (hit !== undefined) return hit;
    const hex = mac.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
    let v: string | null = null;
    if (hex.length >= 6) {
      if (this.table === undefined) this.table = loadTable();
      const t = this.table;
      const entry = t ? t[hex.slice(0, 9)] ?? t[hex.slice(0, 7)] ?? t[hex.slice(0, 6)] : undefined;
      if (entry) v = entry.split('\n')[0]!.trim() || null;
    }
    if (this.byMac.size >= CACHE_LIMIT) this.byMac.clear();
    this.byMac.set(mac, v);
    return v;
  }
}

/** True for locally administered (randomised) addresses, which have no vendor. */
export const isRandomisedMac = (mac: string): boolean => {
  const first = parseInt(mac.slice(0, 2), 16);
  return Number.isFinite(first) && (first & 0x02) !== 0;
};
