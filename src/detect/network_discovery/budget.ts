// Memory bounds shared by the stateful detectors of this area.

/**
 * A count of stored items (set members, series points) with a ceiling. When the ceiling is reached
 * new items are not stored, so counts become lower bounds instead of memory growing without limit.
 */
export class Budget {
  private used = 0;
  /** Items refused since the start (reported in the docs' figures and tests). */
  refused = 0;
  constructor(readonly limit: number) {}
  take(n = 1): boolean {
    if (this.used + n > this.limit) { this.refused += n; return false; }
    this.used += n;
    return true;
  }
  give(n: number): void { this.used = Math.max(0, this.used - n); }
  get inUse(): number { return this.used; }
}


const BITMAP_AFTER = 512;
/** Budget units a port bitmap stands for (8 KiB, about what 512 set members cost). */
export const BITMAP_UNITS = BITMAP_AFTER;

/**
 * Distinct port numbers (0-65535): a small Set first, an 8 KiB bitmap once it is large, so that a
 * 65,535-port vertical scan costs 8 KiB instead of a megabyte.
 */
export class PortSet {
  /** The only port while there is one (most destinations of a horizontal scan see one port). */
  private one = -1;
  private set: Set<number> | null = null;
  private bits: Uint8Array | null = null;
  size = 0;

  has(port: number): boolean {
    if (this.bits) return (this.bits[port >>> 3]! & (1 << (port & 7))) !== 0;
    return this.set ? this.set.has(port) : this.one === port;
  }

  /** Adds a port; returns the budget units charged (0 when present or refused: `size` tells which). */
  add(port: number, budget: Budget): number {
    if (!(port >= 0 && port <= 65535) || this.has(port)) return 0;
    if (this.size === 0) { this.one = port; this.size = 1; return 0; }
    if (this.bits) {
      this.bits[port >>> 3]! |= 1 << (port & 7);
      this.size++;
      return 0;
    }
    if (!this.set) {
      if (!budget.take(2)) return 0;
      this.set = new Set([this.one, port]);
      this.size = 2;
      return 2;
    }
    if (this.set.size + 1 >= BITMAP_AFTER) {
      // Switch to the bitmap; the set's units are kept as part of its price.
      const extra = BITMAP_UNITS - this.set.size;
      if (!budget.take(extra)) return 0;
      const bits = new Uint8Array(8192);
      for (const p of this.set) bits[p >>> 3]! |= 1 << (p & 7);
      bits[port >>> 3]! |= 1 << (port & 7);
      this.bits = bits;
      this.set = null;
      this.size++;
      return extra;
    }
    if (!budget.take()) return 0;
    this.set.add(port);
    this.size++;
    return 1;
  }
}
