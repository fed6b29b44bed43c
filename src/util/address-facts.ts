// The run's memory of address facts: the same addresses recur in millions of flows, and their
// facts (valid, private, multicast, ...) never change. One per run, shared by its parts.
import { ipFacts, type IpFacts } from './ip.js';

const LIMIT = 200_000;

export class AddressFacts {
  private readonly cache = new Map<string, IpFacts>();

  of(ip: string): IpFacts {
    let f = this.cache.get(ip);
    if (f) return f;
    f = ipFacts(ip);
    // Cleared when full rather than evicted one by one: cheaper, and refilled in a few flows.
    if (this.cache.size >= LIMIT) this.cache.clear();
    this.cache.set(ip, f);
    return f;
  }

  isPrivate(ip: string): boolean { return this.of(ip).private; }
}
