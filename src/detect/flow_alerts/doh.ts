// Public DNS-over-HTTPS resolvers, written for this project from the operators' own
// documentation (Google Public DNS, Cloudflare 1.1.1.1, Quad9, OpenDNS, AdGuard DNS, NextDNS,
// CleanBrowsing, Mullvad, DNS.SB, Control D, Mozilla's TRR partners). A TLS connection is DoH when
// Zeek's `is_DoH` (Slips' Zeek script) says so, when its SNI is one of these names, or when it goes
// to one of these addresses on 443/tcp.
export const DOH_HOSTNAMES: ReadonlySet<string> = new Set([
  'dns.google', 'dns.google.com', 'dns64.dns.google', 'cloudflare-dns.com', 'mozilla.cloudflare-dns.com',
  'one.one.one.one', '1dot1dot1dot1.cloudflare-dns.com', 'security.cloudflare-dns.com', 'family.cloudflare-dns.com',
  'chrome.cloudflare-dns.com', 'dns.quad9.net', 'dns9.quad9.net', 'dns10.quad9.net', 'dns11.quad9.net',
  'doh.opendns.com', 'doh.familyshield.opendns.com', 'dns.adguard.com', 'dns.adguard-dns.com',
  'family.adguard-dns.com', 'unfiltered.adguard-dns.com', 'dns-unfiltered.adguard.com', 'dns.nextdns.io',
  'doh.cleanbrowsing.org', 'doh.mullvad.net', 'dns.mullvad.net', 'adblock.dns.mullvad.net', 'doh.dns.sb',
  'freedns.controld.com', 'doh.xfinity.com', 'doh.libredns.gr', 'dns.switch.ch', 'doh.li', 'dns.digitale-gesellschaft.ch',
  'odvr.nic.cz', 'doh.ffmuc.net', 'dns.twnic.tw', 'public.dns.iij.jp', 'dns.alidns.com', 'doh.pub', 'dns.brahma.world',
]);

export const DOH_IPS: ReadonlySet<string> = new Set([
  '8.8.8.8', '8.8.4.4', '2001:4860:4860::8888', '2001:4860:4860::8844',
  '1.1.1.1', '1.0.0.1', '1.1.1.2', '1.0.0.2', '1.1.1.3', '1.0.0.3', '2606:4700:4700::1111', '2606:4700:4700::1001',
  '9.9.9.9', '149.112.112.112', '9.9.9.10', '149.112.112.10', '9.9.9.11', '149.112.112.11', '2620:fe::fe', '2620:fe::9',
  '208.67.222.222', '208.67.220.220', '208.67.222.123', '208.67.220.123',
  '94.140.14.14', '94.140.15.15', '94.140.14.15', '94.140.15.16', '94.140.14.140', '94.140.14.141',
  '185.228.168.168', '185.228.169.168', '185.228.168.9', '185.228.169.9',
  '194.242.2.2', '194.242.2.3', '185.222.222.222', '45.11.45.11', '76.76.2.0', '76.76.10.0',
  '45.90.28.0', '45.90.30.0', '223.5.5.5', '223.6.6.6', '1.12.12.12', '120.53.53.53',
]);

export const isDohHostname = (sni: string): boolean => DOH_HOSTNAMES.has(sni.toLowerCase().replace(/\.$/, ''));
