// Optional reverse-DNS lookups through the system's resolver (config `ip_info.online_rdns`, off by
// default). Never blocks: `get` answers from the cache and starts a lookup in the background, so
// the name shows in later evidence about the address. Lookups are time-limited, bounded in number
// and cached (failures too).
import { promises as dnsPromises } from 'node:dns';
import { ipFacts } from '../util/ip.js';
import { BoundedMap } from '../util/bounded-map.js';

export type ReverseResolver = (ip: string) => Promise<string[]>;

export interface OnlineReverseDnsOptions {
  timeoutMs: number;
  /** Injected for tests; default: a Resolver with one try and the timeout. */
  resolve?: ReverseResolver;
  maxInFlight?: number;
  cacheLimit?: number;
}

export class OnlineReverseDns {
  private readonly cache: BoundedMap<string, string | null>;
  private readonly inFlight = new Set<string>();
  private readonly resolve: ReverseResolver;
  private readonly maxInFlight: number;
  private readonly cacheLimit: number;
  /** Lookups started, answered, failed or timed out (for the log and tests). */
  readonly stats = { started: 0, answered: 0, failed: 0 };

  constructor(private readonly opts: OnlineReverseDnsOptions) {
    this.maxInFlight = opts.maxInFlight ?? 16;
    this.cacheLimit = opts.cacheLimit ?? 50_000;
    this.cache = new BoundedMap(this.cacheLimit);
    if (opts.resolve) this.resolve = opts.resolve;
    else {
      const r = new dnsPromises.Resolver({ timeout: opts.timeoutMs, tries: 1 });
      this.resolve = (ip) => r.reverse(ip);
    }
  }

  /** The cached name of a public address; otherwise undefined, and a lookup starts in the background. */
  get(ip: string): string | undefined {
    const hit = this.cache.get(ip);
    if (hit !== undefined) return hit ?? undefined;
    if (this.inFlight.has(ip) || this.inFlight.size >= this.maxInFlight) return undefined;
    const f = ipFacts(ip);
    if (!f.valid || f.private || f.multicast || f.reserved || f.linkLocal || f.loopback) return undefined;
    this.inFlight.add(ip);
    this.stats.started++;
    void this.lookup(ip);
    return undefined;
  }

  /** Resolves when every started lookup has finished (tests, end of run). */
  async settle(): Promise<void> { while (this.inFlight.size) await new Promise((r) => setTimeout(r, 5)); }

  private async lookup(ip: string): Promise<void> {
    let name: string | null = null;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), this.opts.timeoutMs); });
      const names = await Promise.race([this.resolve(ip), timeout]);
      name = names.find((n) => n && !ipFacts(n).valid) ?? null;
      this.stats.answered++;
    } catch {
      this.stats.failed++;
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(ip);
    }
    this.cache.set(ip, name);
  }
}
