// DNS resolutions seen in the traffic (spec §2.8): which domains resolved to an IP, and the reverse.
// Bounded: the oldest entries are forgotten first.
import { ipFacts } from '../util/ip.js';
import { AddressFacts } from '../util/address-facts.js';
import type { DnsFlow } from '../flows/types.js';
import { BoundedMap } from '../util/bounded-map.js';

export interface Resolution {
  /** Traffic time of the last answer. */
  ts: number;
  uid: string;
  domains: string[];
  /** Source IPs that asked. */
  resolvedBy: string[];
  /** Time windows (numbers) in which it was resolved. */
  timewindows: number[];
}

const MAX_IPS = 500_000;
const MAX_DOMAINS = 500_000;
const MAX_LIST = 16;

const pushBounded = <T>(xs: T[], x: T): void => { if (!xs.includes(x)) { if (xs.length >= MAX_LIST) xs.shift(); xs.push(x); } };

export class DnsResolutions {
  constructor(private readonly addresses: AddressFacts = new AddressFacts()) {}
  private readonly byIp = new BoundedMap<string, Resolution>(MAX_IPS);
  private readonly byDomain = new BoundedMap<string, { ips: string[]; cnames: string[] }>(MAX_DOMAINS);

  /** Records the A/AAAA answers of a DNS flow, as the original does (no .arpa, no blocked answers). */
  observe(flow: DnsFlow, tw: number): void {
    const q = flow.query;
    if (!q || q.endsWith('.arpa') || !flow.answers.length) return;
    if (flow.qtype_name && flow.qtype_name !== 'A' && flow.qtype_name !== 'AAAA') return;
    if (q !== 'localhost' && flow.answers.some((a) => a === '127.0.0.1' || a === '0.0.0.0')) return;
    let dom = this.byDomain.get(q);
    if (!dom) {
      dom = { ips: [], cnames: [] };
      this.byDomain.set(q, dom);
    }
    for (const a of flow.answers) {
      if (!this.addresses.of(a).valid) { if (!a.startsWith('TXT')) pushBounded(dom.cnames, a); continue; }
      pushBounded(dom.ips, a);
      let r = this.byIp.get(a);
      if (!r) {
        r = { ts: flow.starttime, uid: flow.uid, domains: [], resolvedBy: [], timewindows: [] };
        this.byIp.set(a, r);
      }
      r.ts = Math.max(r.ts, flow.starttime);
      r.uid = flow.uid;
      pushBounded(r.domains, q);
      pushBounded(r.resolvedBy, flow.saddr);
      pushBounded(r.timewindows, tw);
    }
  }

  ofIp(ip: string): Resolution | undefined { return this.byIp.get(ip); }
  ofDomain(domain: string): { ips: string[]; cnames: string[] } | undefined { return this.byDomain.get(domain); }
  get size(): number { return this.byIp.size; }
}
