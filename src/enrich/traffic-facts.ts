// What the traffic itself says about an address, without asking anyone: reverse DNS from PTR
// answers seen in dns.log, the SNIs and certificate subjects of TLS servers. Bounded maps; the
// oldest addresses are forgotten first.
import type { Flow } from '../flows/types.js';
import { ipFacts } from '../util/ip.js';
import { AddressFacts } from '../util/address-facts.js';
import { BoundedMap, BoundedSet } from '../util/bounded-map.js';

const MAX_IPS = 200_000;
const MAX_PER_IP = 8;

/** One value, or the last few (most recent last): most servers only ever show one name. */
type Recent = string | string[];

function remember(m: BoundedMap<string, Recent>, key: string, value: string): void {
  const cur = m.get(key);
  if (cur === undefined) { m.set(key, value); return; }
  if (typeof cur === 'string') { if (cur !== value) m.set(key, [cur, value]); return; }
  const xs = cur;
  const i = xs.indexOf(value);
  if (i === xs.length - 1 && i >= 0) return;
  if (i >= 0) xs.splice(i, 1);
  else if (xs.length >= MAX_PER_IP) xs.shift();
  xs.push(value); // most recent last
}

/** "4.3.2.1.in-addr.arpa" -> "1.2.3.4"; nibble-reversed ip6.arpa names -> IPv6 text; else null. */
export function ptrToIp(name: string): string | null {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n.endsWith('.in-addr.arpa')) {
    const parts = n.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4) return null;
    const ip = parts.reverse().join('.');
    return ipFacts(ip).version === 4 ? ip : null;
  }
  if (n.endsWith('.ip6.arpa')) {
    const nibbles = n.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || nibbles.some((x) => !/^[0-9a-f]$/.test(x))) return null;
    const hex = nibbles.reverse().join('');
    const groups: string[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(parseInt(hex.slice(i, i + 4), 16).toString(16));
    return compressIPv6(groups);
  }
  return null;
}

/** RFC 5952 text of eight hex groups: the longest run (2+) of zero groups becomes "::". */
function compressIPv6(groups: string[]): string {
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (bestLen < 2) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

export class TrafficFacts {
  /** Addresses seen serving DNS over HTTPS (flow_alerts learns them from TLS server names). */
  readonly dohServers = new BoundedSet<string>(10_000);
  constructor(private readonly addresses: AddressFacts = new AddressFacts()) {}
  private readonly rdnsByIp = new BoundedMap<string, string>(MAX_IPS);
  private readonly sniByIp = new BoundedMap<string, Recent>(MAX_IPS);
  private readonly certByIp = new BoundedMap<string, Recent>(MAX_IPS);

  observe(flow: Flow): void {
    if (flow.type_ === 'dns') {
      if (!flow.answers.length || !flow.query.endsWith('.arpa')) return;
      const ip = ptrToIp(flow.query);
      if (!ip) return;
      const name = flow.answers.find((a) => a && !this.addresses.of(a).valid && !a.startsWith('TXT'));
      if (!name) return;
      this.rdnsByIp.set(ip, name.replace(/\.$/, ''));
    } else if (flow.type_ === 'ssl') {
      if (flow.server_name) remember(this.sniByIp, flow.daddr, flow.server_name);
      if (flow.subject) remember(this.certByIp, flow.daddr, flow.subject);
    }
  }

  /** Host name of a PTR answer for the address. */
  rdns(ip: string): string | undefined { return this.rdnsByIp.get(ip); }
  /** SNIs clients used towards the address, most recent last. */
  snis(ip: string): readonly string[] | undefined { return asList(this.sniByIp.get(ip)); }
  /** The most recent SNI clients used towards the address. */
  lastSni(ip: string): string | undefined {
    const v = this.sniByIp.get(ip);
    return typeof v === 'string' ? v : v?.[v.length - 1];
  }
  /** Certificate subjects the address presented, most recent last. */
  certificates(ip: string): readonly string[] | undefined { return asList(this.certByIp.get(ip)); }
}

const asList = (v: Recent | undefined): readonly string[] | undefined => (typeof v === 'string' ? [v] : v);
