// The five organisations Slips knows by name (Google, Microsoft, Apple, Facebook, Twitter):
// their autonomous systems, address blocks and domains. Written for this project from public
// facts (the companies' registered AS numbers as listed in the RIR/PeeringDB records, the
// netblocks they publish in their SPF records and service-endpoint documents, and the domains
// their products use); the original's GPL data files are not used. The lists are deliberately
// limited to addresses the companies operate themselves: cloud ranges rented to customers
// (Google Cloud, Azure) are not included, so a customer's server is not mistaken for the company.
import { getDomain } from 'tldts';
import { Cidr, ipFacts } from '../util/ip.js';

export const ORG_NAMES = ['google', 'microsoft', 'apple', 'facebook', 'twitter'] as const;
export type OrgName = (typeof ORG_NAMES)[number];
export const isOrgName = (s: string): s is OrgName => (ORG_NAMES as readonly string[]).includes(s);

export interface OrgData {
  asns: number[];
  ranges: string[];
  /** Registered domains; subdomains belong to the organisation too. */
  domains: string[];
  /** Second-level labels the organisation owns under any public suffix (google.de, google.co.uk). */
  brandLabels?: string[];
}

export const ORG_DATA: Record<OrgName, OrgData> = {
  google: {
    asns: [15169, 36040, 36384, 36385, 36492, 43515, 19527, 16550, 22577, 41264, 26910, 139070, 396982],
    ranges: ['8.8.4.0/24', '8.8.8.0/24', '64.233.160.0/19', '66.102.0.0/20', '66.249.64.0/19', '72.14.192.0/18',
      '74.125.0.0/16', '108.177.0.0/17', '142.250.0.0/15', '172.217.0.0/16', '172.253.0.0/16', '173.194.0.0/16',
      '209.85.128.0/17', '216.58.192.0/19', '216.239.32.0/19', '35.190.247.0/24', '130.211.0.0/22',
      '2001:4860::/32', '2404:6800::/32', '2607:f8b0::/32', '2800:3f0::/32', '2a00:1450::/32', '2c0f:fb50::/32'],
    domains: ['google.com', 'googleapis.com', 'gstatic.com', 'googleusercontent.com', 'googlevideo.com', 'youtube.com',
      'ytimg.com', 'youtu.be', 'ggpht.com', 'gmail.com', 'googlemail.com', 'doubleclick.net', 'googlesyndication.com',
      'google-analytics.com', 'googletagmanager.com', 'googletagservices.com', 'googleadservices.com', 'android.com',
      'gvt1.com', 'gvt2.com', 'gvt3.com', '1e100.net', 'withgoogle.com', 'app-measurement.com', 'googlezip.net',
      'chrome.com', 'chromium.org', 'blogger.com', 'blogspot.com', 'goo.gl', 'g.co', 'gmodules.com', 'googledrive.com',
      'recaptcha.net', 'firebaseio.com', 'crashlytics.com', 'dns.google', 'youtube-nocookie.com', 'googleblog.com'],
    brandLabels: ['google'],
  },
  microsoft: {
    asns: [8075, 8068, 8069, 8070, 8071, 8072, 8073, 8074, 3598, 6584, 12076, 23468, 35106, 45139, 58862, 59067],
    ranges: ['13.107.6.152/31', '13.107.18.10/31', '13.107.128.0/22', '13.107.136.0/22', '13.107.64.0/18',
      '23.103.160.0/20', '40.96.0.0/13', '40.104.0.0/15', '40.108.128.0/17', '52.96.0.0/14', '52.104.0.0/14',
      '52.112.0.0/14', '52.122.0.0/15', '104.146.128.0/17', '131.253.33.215/32', '132.245.0.0/16', '150.171.32.0/22',
      '150.171.40.0/22', '204.79.197.0/24', '2603:1006::/40', '2603:1016::/36', '2603:1026::/36', '2603:1036::/36',
      '2603:1046::/36', '2603:1056::/36', '2620:1ec::/36'],
    domains: ['microsoft.com', 'microsoftonline.com', 'microsoftonline-p.com', 'windows.com', 'windows.net',
      'windowsupdate.com', 'live.com', 'live.net', 'msn.com', 'bing.com', 'bing.net', 'office.com', 'office.net',
      'office365.com', 'outlook.com', 'hotmail.com', 'skype.com', 'azure.com', 'azure.net', 'azureedge.net',
      'msedge.net', 'msftncsi.com', 'msftconnecttest.com', 'xboxlive.com', 'xbox.com', 'sharepoint.com', 'onedrive.com',
      'linkedin.com', 'licdn.com', 'visualstudio.com', 'msauth.net', 'msftauth.net', 'msocsp.com', 'trafficmanager.net',
      's-microsoft.com', 'aka.ms', 'microsoftstore.com', 'msecnd.net', 'sfx.ms', 'lync.com', 'teams.microsoft.com',
      'azurewebsites.net', 'cloudapp.net', 'gfx.ms', 'onestore.ms', 'msftstatic.com', 'microsoft.net',
      'skypeassets.com', 'bingapis.com', 'msads.net', 'clarity.ms'],
  },
  apple: {
    asns: [714, 6185, 2709],
    ranges: ['17.0.0.0/8', '2620:149::/32', '2a01:b740::/32', '2403:300::/32'],
    domains: ['apple.com', 'icloud.com', 'icloud-content.com', 'mzstatic.com', 'apple-dns.net', 'aaplimg.com',
      'cdn-apple.com', 'me.com', 'mac.com', 'itunes.com', 'apple.news', 'appleiphonecell.com', 'apple-cloudkit.com',
      'apple-livephotoskit.com', 'icloud.com.cn', 'apple.com.cn', 'applemusic.com', 'swcdn.apple.com'],
  },
  facebook: {
    asns: [32934, 63293, 54115, 149642],
    ranges: ['31.13.24.0/21', '31.13.64.0/18', '45.64.40.0/22', '66.220.144.0/20', '69.63.176.0/20',
      '69.171.224.0/19', '74.119.76.0/22', '102.132.96.0/20', '103.4.96.0/22', '129.134.0.0/16', '157.240.0.0/16',
      '163.70.128.0/17', '173.252.64.0/18', '179.60.192.0/22', '185.60.216.0/22', '185.89.216.0/22', '204.15.20.0/22',
      '2a03:2880::/32', '2620:0:1c00::/40'],
    domains: ['facebook.com', 'facebook.net', 'fbcdn.net', 'fb.com', 'fb.me', 'fbsbx.com', 'instagram.com',
      'cdninstagram.com', 'whatsapp.com', 'whatsapp.net', 'messenger.com', 'meta.com', 'oculus.com',
      'facebookcorewwwi.onion', 'threads.net'],
  },
  twitter: {
    asns: [13414, 35995, 63179, 54888],
    ranges: ['69.195.160.0/19', '104.244.40.0/21', '192.133.76.0/22', '199.16.156.0/22', '199.59.148.0/22',
      '199.96.56.0/21', '202.160.128.0/22', '209.237.192.0/19'],
    domains: ['twitter.com', 'twimg.com', 't.co', 'x.com', 'tweetdeck.com', 'periscope.tv', 'pscp.tv', 'twttr.com'],
  },
};

interface CompiledOrg { name: OrgName; asns: Set<string>; ranges: Cidr[]; domains: Set<string>; brands: Set<string> }

const COMPILED: CompiledOrg[] = ORG_NAMES.map((name) => {
  const d = ORG_DATA[name];
  return { name, asns: new Set(d.asns.map((a) => `AS${a}`)), ranges: d.ranges.map((r) => new Cidr(r)),
    domains: new Set(d.domains), brands: new Set(d.brandLabels ?? []) };
});

/** Normalises "AS15169", "15169" or "as15169" to "AS15169". */
export const normaliseAsn = (asn: string | number): string => {
  const s = String(asn).trim().toUpperCase();
  return s.startsWith('AS') ? s : `AS${s}`;
};

const CACHE_LIMIT = 100_000;

/**
 * The organisations of a run: which one operates an address (its published blocks, then its AS
 * number) or owns a domain. Asked for the same few addresses and names on every evidence and
 * pending connection; the answers depend only on the shipped lists, so they are remembered.
 */
export class Organisations {
  private readonly byIp = new Map<string, OrgName | null>();
  private readonly byDomain = new Map<string, OrgName | null>();

  constructor(private readonly asnOf: (ip: string) => { number: string } | null) {}

  /** The organisation operating an address, or null. */
  ofIp(ip: string): OrgName | null {
    const hit = this.byIp.get(ip);
    if (hit !== undefined) return hit;
    let found: OrgName | null = null;
    const f = ipFacts(ip);
    if (f.valid && !f.private && !f.multicast && !f.linkLocal && !f.loopback) {
      found = COMPILED.find((o) => o.ranges.some((c) => c.contains(f.parsed)))?.name ?? null;
      if (!found) {
        const asn = this.asnOf(ip)?.number;
        if (asn) found = COMPILED.find((o) => o.asns.has(asn))?.name ?? null;
      }
    }
    if (this.byIp.size >= CACHE_LIMIT) this.byIp.clear();
    this.byIp.set(ip, found);
    return found;
  }

  /** The organisation owning a domain name (the name itself or one of its parents is listed), or null. */
  ofDomain(domain: string): OrgName | null {
    const hit = this.byDomain.get(domain);
    if (hit !== undefined) return hit;
    const found = orgOfDomainName(domain);
    if (this.byDomain.size >= CACHE_LIMIT) this.byDomain.clear();
    this.byDomain.set(domain, found);
    return found;
  }
}

/** True when the address lies in one of the organisation's published blocks (no ASN lookup). */
export function ipInOrgRanges(ip: string, org: OrgName): boolean {
  const p = ipFacts(ip).parsed;
  return COMPILED.find((o) => o.name === org)!.ranges.some((c) => c.contains(p));
}

export function asnBelongsTo(asn: string, org: OrgName): boolean {
  return COMPILED.find((o) => o.name === org)!.asns.has(normaliseAsn(asn));
}

export function orgOfAsn(asn: string): OrgName | null {
  const a = normaliseAsn(asn);
  return COMPILED.find((o) => o.asns.has(a))?.name ?? null;
}

/** The organisation owning a domain name, computed (Organisations.ofDomain remembers the answers). */
export function orgOfDomainName(domain: string): OrgName | null {
  let d = domain.trim().toLowerCase();
  if (d.endsWith('.')) d = d.slice(0, -1);
  if (!d) return null;
  for (;;) {
    for (const o of COMPILED) if (o.domains.has(d)) return o.name;
    const dot = d.indexOf('.');
    if (dot < 0) break;
    d = d.slice(dot + 1);
  }
  const reg = getDomain(domain.toLowerCase());
  if (reg) {
    const label = reg.slice(0, reg.indexOf('.'));
    for (const o of COMPILED) if (o.brands.has(label)) return o.name;
  }
  return null;
}


/** Organisation whose name appears in an AS organisation string ("Google LLC" -> google). */
export function orgInAsName(asOrg: string): OrgName | null {
  const s = asOrg.toLowerCase();
  return ORG_NAMES.find((n) => s.includes(n)) ?? null;
}
