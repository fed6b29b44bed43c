// Domain name -> value, matched exactly or by the closest listed parent domain, for tables of
// hundreds of thousands of names on the per-flow path. A lookup allocates nothing: one
// right-to-left pass over the name hashes every suffix that starts after a dot (so no parent is
// ever sliced out), then each candidate probes an open-addressing table of (hash, entry) pairs,
// longest name first; the stored name is compared only when the hashes agree. Names are compared
// case-insensitively (ASCII) and a trailing dot is ignored.

import { HashFilter } from './hash-filter.js';

const MAX_LABELS = 64;

export class DomainTable<V> {
  /** Pairs (hash, entry index + 1); index 0 marks a free slot. */
  private slots: Uint32Array;
  private mask: number;
  /** Turns away most unlisted names (and parents) before the slot array is touched. */
  private filter: HashFilter;
  private readonly names: string[] = [];
  private readonly values: V[] = [];
  // Scratch for one lookup: where each candidate suffix starts, and its hash.
  private readonly starts = new Int32Array(MAX_LABELS + 1);
  private readonly hashes = new Uint32Array(MAX_LABELS + 1);
  /** Whether the last successful matchIndex found the name itself (true) or a parent (false). */
  lastExact = false;

  constructor(capacity = 16) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.slots = new Uint32Array(cap * 2);
    this.mask = cap - 1;
    this.filter = new HashFilter(cap);
  }

  get size(): number { return this.names.length; }

  /** The listed name of an entry (lower case, without a trailing dot). */
  nameAt(index: number): string { return this.names[index]!; }
  valueAt(index: number): V { return this.values[index]!; }

  /** Adds or replaces; `merge` combines a new value with the one already stored. */
  set(name: string, value: V, merge?: (old: V, value: V) => V): void {
    const key = normaliseDomain(name);
    if (!key) return;
    const h = hashSuffix(key, 0, key.length);
    const i = this.find(h, key, 0, key.length);
    if (i >= 0) { this.values[i] = merge ? merge(this.values[i]!, value) : value; return; }
    if ((this.names.length + 1) * 2 > this.mask + 1) this.grow();
    this.names.push(key);
    this.values.push(value);
    this.insert(h, this.names.length);
  }

  /** The value stored for exactly this name. */
  get(name: string): V | undefined {
    const end = nameEnd(name);
    if (end === 0 || this.names.length === 0) return undefined;
    const i = this.find(hashSuffix(name, 0, end), name, 0, end);
    return i >= 0 ? this.values[i] : undefined;
  }

  has(name: string): boolean { return this.get(name) !== undefined; }

  /**
   * The entry of the name itself, else of its closest listed parent (a.b.evil.com -> b.evil.com ->
   * evil.com -> com); -1 when none is listed. `lastExact` tells which.
   */
  matchIndex(name: string): number {
    if (this.names.length === 0) return -1;
    const end = nameEnd(name);
    if (end === 0) return -1;
    // One right-to-left pass: the hash so far is the hash of the suffix after each dot met.
    const starts = this.starts, hashes = this.hashes;
    let n = 0;
    let h = FNV_OFFSET;
    for (let i = end - 1; i >= 0; i--) {
      const c = name.charCodeAt(i);
      if (c === 46 /* . */ && i < end - 1 && n < MAX_LABELS) { starts[n] = i + 1; hashes[n] = h >>> 0; n++; }
      h = Math.imul(h ^ fold(c), FNV_PRIME);
    }
    // Longest first: the whole name, then the parents from the nearest one.
    let hit = this.find(h >>> 0, name, 0, end);
    if (hit >= 0) { this.lastExact = true; return hit; }
    for (let k = n - 1; k >= 0; k--) {
      hit = this.find(hashes[k]!, name, starts[k]!, end);
      if (hit >= 0) { this.lastExact = false; return hit; }
    }
    return -1;
  }

  /** Entry index of `name.slice(start, end)` (compared without slicing), or -1. */
  private find(h: number, name: string, start: number, end: number): number {
    if (!this.filter.mayHave(h)) return -1;
    const slots = this.slots, mask = this.mask;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const entry = slots[s * 2 + 1]!;
      if (entry === 0) return -1;
      if (slots[s * 2] === h && sameName(this.names[entry - 1]!, name, start, end)) return entry - 1;
    }
  }

  private insert(h: number, entry: number): void {
    const slots = this.slots, mask = this.mask;
    let s = h & mask;
    while (slots[s * 2 + 1] !== 0) s = (s + 1) & mask;
    slots[s * 2] = h;
    slots[s * 2 + 1] = entry;
    this.filter.add(h);
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    this.slots = new Uint32Array(cap * 2);
    this.mask = cap - 1;
    this.filter = new HashFilter(cap);
    for (let i = 0; i < this.names.length; i++) {
      const key = this.names[i]!;
      this.insert(hashSuffix(key, 0, key.length), i + 1);
    }
  }
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** ASCII lower case of a char code. */
const fold = (c: number): number => (c >= 65 && c <= 90 ? c | 32 : c);

/** Length of the name without one trailing dot. */
function nameEnd(name: string): number {
  const n = name.length;
  return n > 0 && name.charCodeAt(n - 1) === 46 ? n - 1 : n;
}

/** Hash of name[start, end), read right to left (the same order matchIndex uses). */
function hashSuffix(name: string, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = end - 1; i >= start; i--) h = Math.imul(h ^ fold(name.charCodeAt(i)), FNV_PRIME);
  return h >>> 0;
}

/** stored (lower case) === name[start, end) ignoring ASCII case. */
function sameName(stored: string, name: string, start: number, end: number): boolean {
  if (stored.length !== end - start) return false;
  for (let i = start, j = 0; i < end; i++, j++) if (fold(name.charCodeAt(i)) !== stored.charCodeAt(j)) return false;
  return true;
}

const slowNormaliseDomain = (d: string): string => d.trim().toLowerCase().replace(/\.$/, '').replace(/^\*\./, '');

/**
 * A domain's stored form: lower case, no surrounding spaces, trailing dot or leading "*.". Names
 * seen in traffic are nearly always already so: they are returned as they are without building
 * new strings.
 */
export function normaliseDomain(d: string): string {
  const n = d.length;
  if (n === 0 || d.charCodeAt(n - 1) === 46 /* . */ || (d.charCodeAt(0) === 42 /* * */ && d.charCodeAt(1) === 46)) return slowNormaliseDomain(d);
  for (let i = 0; i < n; i++) {
    const c = d.charCodeAt(i);
    if (c <= 32 || c > 126 || (c >= 65 && c <= 90)) return slowNormaliseDomain(d);
  }
  return d;
}
