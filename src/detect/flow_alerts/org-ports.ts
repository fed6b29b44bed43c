// Ports that are "unknown" in general but normal towards one organisation (UNKNOWN_PORT
// exceptions). Written for this project from the vendors' public network-requirement pages
// (Apple "TCP and UDP ports used by Apple software products", Google Firebase Cloud Messaging
// and WebRTC STUN, Microsoft Teams and Zoom media ports, Spotify, Viber); not the original's file.
import type { ConnFlow } from '../../flows/types.js';
import type { DnsResolutions } from '../../profiler/dns-cache.js';
import { isOrgName } from '../../enrich/orgs.js';
import type { ReferenceData } from '../../enrich/reference.js';

interface OrgPorts { org: string; proto: 'tcp' | 'udp'; from: number; to: number }

export const ORG_PORTS: OrgPorts[] = [
  { org: 'apple', proto: 'tcp', from: 5223, to: 5223 }, { org: 'apple', proto: 'udp', from: 3478, to: 3497 },
  { org: 'apple', proto: 'udp', from: 16384, to: 16387 }, { org: 'apple', proto: 'udp', from: 16393, to: 16402 },
  { org: 'apple', proto: 'tcp', from: 2195, to: 2197 }, { org: 'apple', proto: 'tcp', from: 3283, to: 3283 },
  { org: 'apple', proto: 'udp', from: 3283, to: 3283 }, { org: 'apple', proto: 'tcp', from: 7000, to: 7000 },
  { org: 'apple', proto: 'tcp', from: 49152, to: 65535 },
  { org: 'google', proto: 'tcp', from: 5228, to: 5230 }, { org: 'google', proto: 'udp', from: 19302, to: 19309 },
  { org: 'microsoft', proto: 'udp', from: 3478, to: 3481 }, { org: 'microsoft', proto: 'udp', from: 50000, to: 59999 },
  { org: 'facebook', proto: 'udp', from: 3478, to: 3478 }, { org: 'facebook', proto: 'tcp', from: 5222, to: 5222 },
  { org: 'zoom', proto: 'udp', from: 8801, to: 8810 }, { org: 'zoom', proto: 'tcp', from: 8801, to: 8802 },
  { org: 'spotify', proto: 'tcp', from: 4070, to: 4070 },
  { org: 'viber', proto: 'tcp', from: 4244, to: 4244 }, { org: 'viber', proto: 'tcp', from: 5242, to: 5243 },
  { org: 'viber', proto: 'udp', from: 5243, to: 5243 }, { org: 'viber', proto: 'udp', from: 7985, to: 7987 },
  { org: 'viber', proto: 'udp', from: 9785, to: 9785 },
];

/** Domains of the organisations that are not among the five with full data. */
const OTHER_ORG_DOMAINS: Record<string, string[]> = {
  zoom: ['zoom.us', 'zoom.com', 'zoomgov.com'],
  spotify: ['spotify.com', 'scdn.co', 'spotifycdn.com', 'spotify.net'],
  viber: ['viber.com', 'viber.io'],
};

const domainOfOther = (domain: string, org: string): boolean =>
  (OTHER_ORG_DOMAINS[org] ?? []).some((d) => domain === d || domain.endsWith(`.${d}`));

/**
 * True when the flow's destination port is one an organisation uses and the flow is with that
 * organisation: its address, a domain resolved to the address or presented by it (SNI), or the
 * vendor of one of the MACs.
 */
export function isOrgPort(f: ConnFlow, dns: DnsResolutions, sniOf: (ip: string) => string | undefined, ref: ReferenceData): boolean {
  const proto = f.proto.toLowerCase();
  const orgs = ORG_PORTS.filter((p) => p.proto === proto && f.dport >= p.from && f.dport <= p.to).map((p) => p.org);
  if (!orgs.length) return false;
  const domains = [...(dns.ofIp(f.daddr)?.domains ?? [])];
  const sni = sniOf(f.daddr);
  if (sni) domains.push(sni);
  const ipOrg = ref.orgs.ofIp(f.daddr);
  const vendors = [f.smac, f.dmac].filter(Boolean).map((m) => (ref.macs.vendor(m) ?? '').toLowerCase());
  for (const org of orgs) {
    if (isOrgName(org)) {
      if (ipOrg === org || domains.some((d) => ref.orgs.ofDomain(d) === org)) return true;
    } else if (domains.some((d) => domainOfOther(d.toLowerCase(), org))) return true;
    if (vendors.some((v) => v.includes(org))) return true;
  }
  return false;
}
