// Evidence enrichment: before evidence is logged, its attacker and victim get what is known about
// them (spec core §3.2 step 4): for addresses AS, country, rDNS, SNI, passive-DNS queries and the
// feeds listing them; for domains their resolutions, CNAMEs and feeds. All offline and from caches.
import type { Entity, Evidence } from '../evidence/types.js';
import type { EvidenceEnricher } from '../evidence/handler.js';
import type { DnsResolutions } from '../profiler/dns-cache.js';
import type { ThreatIntel } from '../ti/service.js';
import type { TrafficFacts } from './traffic-facts.js';
import type { OnlineReverseDns } from './online-rdns.js';
import type { ReferenceData } from './reference.js';
import type { AddressFacts } from '../util/address-facts.js';

export class EntityEnricher implements EvidenceEnricher {
  constructor(private readonly dns: DnsResolutions, private readonly facts: TrafficFacts, private readonly ti: ThreatIntel,
    private readonly reference: ReferenceData, private readonly addresses: AddressFacts,
    /** Optional resolver lookups (off by default); answers show in later evidence. */
    private readonly onlineRdns: OnlineReverseDns | null = null) {}

  enrich(ev: Evidence): void {
    this.entity(ev.attacker);
    if (ev.victim) this.entity(ev.victim);
  }

  private entity(e: Entity): void {
    if (e.ioc_type === 'IP') this.ip(e);
    else if (e.ioc_type === 'DOMAIN') this.domain(e);
  }

  private ip(e: Entity): void {
    const ip = e.value;
    const f = this.addresses.of(ip);
    if (!f.valid) return;
    const isPublic = !f.private && !f.multicast && !f.reserved && !f.linkLocal && !f.loopback;
    if (isPublic) {
      const as = e.AS ?? this.reference.asn(ip);
      if (as && !e.AS) e.AS = { org: as.org, number: as.number };
      const c = this.reference.country(ip);
      if (c && !e.geocountry) e.geocountry = c.name;
    }
    if (e.rDNS === undefined) {
      // Assigned only when known: adding and then deleting a property would slow every later access to the object.
      const rdns = this.facts.rdns(ip) ?? this.onlineRdns?.get(ip);
      if (rdns !== undefined) e.rDNS = rdns;
    }
    if (!e.SNI) { const sni = this.facts.lastSni(ip); if (sni) e.SNI = sni; }
    if (!e.queries) { const r = this.dns.ofIp(ip); if (r?.domains.length) e.queries = [...r.domains]; }
    if (!e.TI) {
      const info = this.ti.store.lookupAddress(ip);
      if (info) e.TI = info.source;
    }
  }

  private domain(e: Entity): void {
    const r = this.dns.ofDomain(e.value);
    if (r?.ips.length && !e.DNS_resolution) e.DNS_resolution = [...r.ips];
    if (r?.cnames.length && !e.CNAME) e.CNAME = [...r.cnames];
    if (!e.TI) {
      const m = this.ti.store.lookupDomain(e.value);
      if (m) e.TI = m.info.source;
    }
  }
}
