// The whitelist (spec detections §1.8): whitelist.conf entries for IPs (and networks), domains,
// organisations and MACs, each with a direction (src, dst, both) and what to ignore (flows,
// alerts, both), plus an optional top-domains list. It is applied the same way to every field
// that names a host: addresses, MACs, SNI, HTTP host, DNS query, answers and CNAMEs, domains
// seen resolving to an address, reverse DNS, AS number and AS organisation.
import { getDomain } from 'tldts';
import type { Flow } from '../flows/types.js';
import { isConnLike } from '../flows/types.js';
import type { Entity, Evidence } from '../evidence/types.js';
import type { EvidenceFilter } from '../evidence/handler.js';
import type { FlowFilter } from '../detect/detector.js';
import type { DnsResolutions } from '../profiler/dns-cache.js';
import type { ProfileStore } from '../store/store.js';
import { Cidr, ipFacts, isIpAddress } from '../util/ip.js';
import type { AddressFacts } from '../util/address-facts.js';
import { isOrgName, orgInAsName, orgOfAsn, type Organisations, type OrgName } from '../enrich/orgs.js';
import type { WhitelistView, WlDirection, WlIgnore } from './view.js';
import type { TrafficFacts } from '../enrich/traffic-facts.js';
import { normaliseDomain } from '../util/domain-table.js';

export type EntryDirection = 'src' | 'dst' | 'both';
export type EntryIgnore = 'flows' | 'alerts' | 'both';
export interface Entry { direction: EntryDirection; ignore: EntryIgnore }

export interface ParsedWhitelist {
  ips: Map<string, Entry>;
  networks: { cidr: Cidr; entry: Entry }[];
  domains: Map<string, Entry>;
  orgs: Map<OrgName, Entry>;
  macs: Map<string, Entry>;
  /** Lines that could not be read: "line N: reason". */
  problems: string[];
}

const DIRECTIONS: ReadonlySet<string> = new Set(['src', 'dst', 'both']);
const IGNORES: ReadonlySet<string> = new Set(['flows', 'alerts', 'both']);
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export const emptyWhitelist = (): ParsedWhitelist => ({ ips: new Map(), networks: [], domains: new Map(), orgs: new Map(),
  macs: new Map(), problems: [] });

/**
 * Reads whitelist.conf text: `type,value,direction,ignore` per line; `;` starts a comment line;
 * a line starting with `#` is a commented-out entry and removes an earlier identical value; the
 * last line for a value wins; spaces are ignored.
 */
export function parseWhitelist(text: string, into: ParsedWhitelist = emptyWhitelist()): ParsedWhitelist {
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    let line = raw.replace(/\s+/g, '');
    if (!line || line.startsWith(';')) return;
    const removing = line.startsWith('#');
    if (removing) line = line.replace(/^#+/, '');
    const parts = line.split(',');
    if (parts.length < 2) { if (!removing) into.problems.push(`line ${i + 1}: expected type,value,direction,ignore`); return; }
    const type = parts[0]!.toLowerCase();
    if (type === 'ioctype' || type === '"ioctype"') return; // header
    const value = parts[1]!.replace(/^"|"$/g, '');
    const direction = (parts[2] ?? '').toLowerCase();
    const ignore = (parts[3] ?? '').toLowerCase();
    const bad = (why: string): void => { if (!removing) into.problems.push(`line ${i + 1}: ${why}`); };
    if (!removing && (!DIRECTIONS.has(direction) || !IGNORES.has(ignore))) { bad('direction must be src, dst or both and ignore flows, alerts or both'); return; }
    const entry: Entry = { direction: direction as EntryDirection, ignore: ignore as EntryIgnore };
    switch (type) {
      case 'ip': {
        if (value.includes('/')) {
          let cidr: Cidr;
          try { cidr = new Cidr(value); } catch { bad(`not an IP network: ${value}`); return; }
          into.networks = into.networks.filter((n) => n.cidr.text !== cidr.text);
          if (!removing) into.networks.push({ cidr, entry });
        } else if (ipFacts(value).valid) {
          if (removing) into.ips.delete(value); else into.ips.set(value, entry);
        } else bad(`not an IP address: ${value}`);
        return;
      }
      case 'domain': {
        const d = normaliseDomain(value);
        if (!d || !d.includes('.')) { bad(`not a domain: ${value}`); return; }
        if (removing) into.domains.delete(d); else into.domains.set(d, entry);
        return;
      }
      case 'organization': case 'organisation': case 'org': {
        const o = value.toLowerCase();
        if (!isOrgName(o)) { bad(`unknown organisation ${value} (known: google, microsoft, apple, facebook, twitter)`); return; }
        if (removing) into.orgs.delete(o); else into.orgs.set(o, entry);
        return;
      }
      case 'mac': {
        const m = value.toLowerCase().replace(/-/g, ':');
        if (!MAC_RE.test(m)) { bad(`not a MAC address: ${value}`); return; }
        if (removing) into.macs.delete(m); else into.macs.set(m, entry);
        return;
      }
      default: bad(`unknown type ${parts[0]} (ip, domain, organization or mac)`);
    }
  });
  return into;
}

/** Domains of a top-domains list: `rank,domain` CSV lines or one domain per line. */
export function parseTopDomains(text: string): Set<string> {
  const out = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const d = normaliseDomain(line.includes(',') ? line.slice(line.lastIndexOf(',') + 1) : line);
    if (d.includes('.')) out.add(getDomain(d) ?? d);
  }
  return out;
}

const applies = (e: Entry | undefined, dir: WlDirection, ignore: WlIgnore): boolean =>
  !!e && (e.direction === 'both' || e.direction === dir) && (e.ignore === 'both' || e.ignore === ignore);

/** Membership and size of a domain list (a Set, or a view over lists that may be replaced). */
export interface DomainSet { has(domain: string): boolean; readonly size: number }

export class Whitelist implements WhitelistView, FlowFilter, EvidenceFilter {
  private readonly filtersFlows: boolean;
  /** DNS name lists (by identity) -> per direction/ignore pair, a copy of the names last found clear. */
  private readonly clearedNames = new WeakMap<readonly string[], (string[] | null)[]>();
  /** Why the last whitelisted flow or evidence was dropped (for tests and debugging). */
  lastReason = '';

  constructor(readonly wl: ParsedWhitelist, readonly topDomains: DomainSet, private readonly dns: DnsResolutions,
    private readonly store: ProfileStore, private readonly facts: TrafficFacts, private readonly orgs: Organisations,
    private readonly addresses: AddressFacts) {
    const entries: Entry[] = [...wl.ips.values(), ...wl.networks.map((n) => n.entry), ...wl.domains.values(),
      ...wl.orgs.values(), ...wl.macs.values()];
    this.filtersFlows = entries.some((e) => e.ignore !== 'alerts');
  }

  get size(): number { return this.wl.ips.size + this.wl.networks.length + this.wl.domains.size + this.wl.orgs.size + this.wl.macs.size; }

  // Single-field questions ------------------------------------------------------------------------
  isIpWhitelisted(ip: string, dir: WlDirection, ignore: WlIgnore): boolean {
    if (applies(this.wl.ips.get(ip), dir, ignore)) return this.because(`IP ${ip}`);
    if (this.wl.networks.length) {
      const p = this.addresses.of(ip).parsed;
      for (const n of this.wl.networks) if (applies(n.entry, dir, ignore) && n.cidr.contains(p)) return this.because(`IP ${ip} in ${n.cidr.text}`);
    }
    return this.orgApplies(this.orgOfIpCached(ip), dir, ignore, `IP ${ip}`);
  }

  isDomainWhitelisted(domain: string, dir: WlDirection, ignore: WlIgnore): boolean {
    const topApplies = ignore === 'alerts' && dir === 'dst' && this.topDomains.size !== 0;
    // Nothing to match (the usual run whitelists organisations only): skip the work.
    if (!this.wl.domains.size && !this.wl.orgs.size && !topApplies) return false;
    let d = normaliseDomain(domain);
    if (!d) return false;
    const full = d;
    if (this.wl.domains.size) {
      for (;;) {
        if (applies(this.wl.domains.get(d), dir, ignore)) return this.because(`domain ${full}`);
        const dot = d.indexOf('.');
        if (dot < 0) break;
        d = d.slice(dot + 1);
      }
    }
    if (topApplies && this.isTopDomain(full)) return this.because(`top domain ${full}`);
    return this.orgApplies(this.wl.orgs.size ? this.orgs.ofDomain(full) : null, dir, ignore, `domain ${full}`);
  }

  isTopDomain(domain: string): boolean {
    if (!this.topDomains.size) return false;
    const d = normaliseDomain(domain);
    return this.topDomains.has(getDomain(d) ?? d);
  }

  isMacWhitelisted(mac: string, dir: WlDirection, ignore: WlIgnore): boolean {
    return !!mac && applies(this.wl.macs.get(mac.toLowerCase()), dir, ignore) && this.because(`MAC ${mac}`);
  }

  private orgOfIpCached(ip: string): OrgName | null {
    if (!this.wl.orgs.size) return null;
    return this.orgs.ofIp(ip);
  }

  private orgApplies(org: OrgName | null, dir: WlDirection, ignore: WlIgnore, what: string): boolean {
    return !!org && applies(this.wl.orgs.get(org), dir, ignore) && this.because(`${what} of organisation ${org}`);
  }

  private because(reason: string): true { this.lastReason = reason; return true; }

  private hostChecks(ip: string, dir: WlDirection, ignore: WlIgnore): boolean {
    if (!ip || !this.addresses.of(ip).valid) return false;
    if (this.isIpWhitelisted(ip, dir, ignore)) return true;
    if (this.wl.macs.size && this.isMacWhitelisted(this.store.profile(ip)?.mac ?? '', dir, ignore)) return true;
    // Every name known for the address: DNS answers that pointed to it, then the TLS server name it presented.
    const r = this.dns.ofIp(ip);
    if (r && this.anyNameWhitelisted(r.domains, dir, ignore)) return true;
    const sni = this.facts.lastSni(ip);
    return !!sni && this.isDomainWhitelisted(sni, dir, ignore);
  }

  /**
   * isDomainWhitelisted over the DNS cache's name list of an address, remembering the names found
   * clear: the list is asked about on every evidence of that address and changes by a name at a
   * time, so only names not in the remembered copy are checked. Per direction and ignore type;
   * verdicts that involve the top-domains list (which feeds may refresh) are not remembered.
   */
  private anyNameWhitelisted(names: readonly string[], dir: WlDirection, ignore: WlIgnore): boolean {
    if (ignore === 'alerts' && dir === 'dst' && this.topDomains.size !== 0) {
      for (const d of names) if (this.isDomainWhitelisted(d, dir, ignore)) return true;
      return false;
    }
    const slot = (dir === 'src' ? 0 : 2) + (ignore === 'flows' ? 0 : 1);
    let known = this.clearedNames.get(names);
    const clear = known?.[slot];
    if (clear && sameList(names, clear)) return false;
    for (const d of names) {
      if (clear && clear.includes(d)) continue;
      if (this.isDomainWhitelisted(d, dir, ignore)) return true;
    }
    if (!known) { known = [null, null, null, null]; this.clearedNames.set(names, known); }
    known[slot] = [...names];
    return false;
  }

  private anyDomainWhitelisted(ds: readonly string[] | undefined, dir: WlDirection, ignore: WlIgnore): boolean {
    if (ds) for (const d of ds) if (this.isDomainWhitelisted(d, dir, ignore)) return true;
    return false;
  }

  private anyIpWhitelisted(ips: readonly string[] | undefined, dir: WlDirection, ignore: WlIgnore): boolean {
    if (ips) for (const ip of ips) if (this.isIpWhitelisted(ip, dir, ignore)) return true;
    return false;
  }

  // Flows (ignore type "flows") ----------------------------------------------------------------------
  dropFlow(flow: Flow): boolean {
    if (!this.filtersFlows) return false;
    const I: WlIgnore = 'flows';
    if (this.hostChecks(flow.saddr, 'src', I) || this.hostChecks(flow.daddr, 'dst', I)) return true;
    if (isConnLike(flow) || flow.type_ === 'arp') {
      if (this.isMacWhitelisted(flow.smac, 'src', I) || this.isMacWhitelisted(flow.dmac, 'dst', I)) return true;
    } else if (flow.type_ === 'dhcp' && this.isMacWhitelisted(flow.smac, 'src', I)) return true;
    for (const d of flowDomains(flow)) if (this.isDomainWhitelisted(d, 'dst', I)) return true;
    if (flow.type_ === 'dns') {
      for (const a of flow.answers) {
        if (this.addresses.of(a).valid ? this.isIpWhitelisted(a, 'dst', I) : (!a.startsWith('TXT') && this.isDomainWhitelisted(a, 'dst', I))) return true;
      }
    }
    return false;
  }

  // Evidence (ignore type "alerts") -----------------------------------------------------------------
  isWhitelisted(ev: Evidence): boolean {
    return this.entityWhitelisted(ev.attacker) || (ev.victim !== null && this.entityWhitelisted(ev.victim));
  }

  entityWhitelisted(e: Entity): boolean {
    const dir: WlDirection = e.direction === 'SRC' ? 'src' : 'dst';
    const I: WlIgnore = 'alerts';
    // The names and addresses of the entity, in this order: queries, CNAMEs, SNI, rDNS, then by kind
    // the domain itself and its CNAMEs / the URL's host name; addresses: DNS resolutions, then those
    // of the domain / the URL's host address. Checked in place rather than gathered into arrays.
    let r: { ips: string[]; cnames: string[] } | undefined;
    let urlName: string | null = null, urlIp: string | null = null;
    /** Names hostChecks already found not whitelisted (the enricher copies them into the entity). */
    let checkedQueries: readonly string[] | undefined, checkedSni: string | undefined;
    if (e.ioc_type === 'IP') {
      if (this.hostChecks(e.value, dir, I)) return true;
      if (e.value && this.addresses.of(e.value).valid) { checkedQueries = this.dns.ofIp(e.value)?.domains; checkedSni = this.facts.lastSni(e.value); }
    } else if (e.ioc_type === 'DOMAIN') {
      r = this.dns.ofDomain(normaliseDomain(e.value));
    } else if (e.ioc_type === 'URL') {
      const host = urlHost(e.value);
      if (host) { if (this.addresses.of(host).valid) urlIp = host; else urlName = host; }
    }
    if (!sameList(e.queries, checkedQueries) && this.anyDomainWhitelisted(e.queries, dir, I)) return true;
    if (this.anyDomainWhitelisted(e.CNAME, dir, I)) return true;
    if (e.SNI && e.SNI !== checkedSni && this.isDomainWhitelisted(e.SNI, dir, I)) return true;
    if (e.rDNS && this.isDomainWhitelisted(e.rDNS, dir, I)) return true;
    if (e.ioc_type === 'DOMAIN') {
      if (this.isDomainWhitelisted(e.value, dir, I)) return true;
      if (r && this.anyDomainWhitelisted(r.cnames, dir, I)) return true;
    } else if (urlName !== null && this.isDomainWhitelisted(urlName, dir, I)) return true;
    if (this.anyIpWhitelisted(e.DNS_resolution, dir, I)) return true;
    if (r && this.anyIpWhitelisted(r.ips, dir, I)) return true;
    if (urlIp !== null && this.isIpWhitelisted(urlIp, dir, I)) return true;
    if (e.AS && this.wl.orgs.size) {
      const org = orgOfAsn(e.AS.number) ?? orgInAsName(e.AS.org);
      if (this.orgApplies(org, dir, I, `AS ${e.AS.number} ${e.AS.org}`)) return true;
    }
    return false;
  }
}

/** Same strings in the same order (both present). */
function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Names a flow itself carries for its destination. */
function flowDomains(f: Flow): string[] {
  switch (f.type_) {
    case 'ssl': {
      const out: string[] = [];
      if (f.server_name) out.push(f.server_name);
      const cn = /CN=([^,]+)/.exec(f.subject)?.[1];
      if (cn) out.push(cn);
      return out;
    }
    case 'http': return f.host && !isIpAddress(f.host.replace(/:\d+$/, '')) ? [f.host.replace(/:\d+$/, '')] : [];
    case 'dns': return f.query ? [f.query] : [];
    default: return [];
  }
}

function urlHost(url: string): string | null {
  try { return new URL(url.includes('://') ? url : `http://${url}`).hostname.replace(/^\[|\]$/g, ''); } catch { return null; }
}
