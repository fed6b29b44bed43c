// What the traffic teaches about the monitored network: local network, gateway, DNS and DHCP
// servers, MAC <-> IP associations (spec §2.7, §2.8).
import { Cidr, homeNetworkOf } from '../util/ip.js';
import { AddressFacts } from '../util/address-facts.js';

export interface NetworkEvents {
  /** One-time announcements ("Used local network: ...", "Detected gateway IP: ..."). */
  announce(text: string): void;
}

const MAX_DNS_SERVERS = 64;
const MAX_DHCP_SERVERS = 20;

export class NetworkKnowledge {
  localNetwork: Cidr | null = null;
  gatewayIp = '';
  gatewayMac = '';
  readonly clientIps: Cidr[];
  readonly dnsServers = new Set<string>();
  readonly dhcpServers = new Set<string>();
  /** MAC -> IPs seen with it (first IPv4 first). */
  private readonly macIps = new Map<string, string[]>();

  constructor(clientIps: string[], private readonly events: NetworkEvents, private readonly addresses: AddressFacts = new AddressFacts()) {
    this.clientIps = clientIps.flatMap((c) => { try { return [new Cidr(c)]; } catch { return []; } });
    const firstPrivate = this.clientIps.find((c) => c.version === 4 && homeNetworkOf(c.text.split('/')[0]!));
    if (firstPrivate) this.setLocalNetwork(firstPrivate);
  }

  private setLocalNetwork(c: Cidr): void {
    this.localNetwork = c;
    this.events.announce(`Used local network: ${c.text}`);
  }

  isClientIp(ip: string): boolean {
    const p = this.addresses.of(ip).parsed;
    return this.clientIps.some((c) => c.contains(p));
  }

  /** Learns from a flow's addresses (files: the RFC1918 block of the first private IPv4 source). */
  observeSource(saddr: string): void {
    if (this.localNetwork) return;
    const f = this.addresses.of(saddr);
    if (f.version !== 4 || !f.private) return;
    const home = homeNetworkOf(saddr);
    if (home) this.setLocalNetwork(home);
  }

  /** Gateway MAC: the destination MAC of the first flow from a private source to a public destination. */
  observeMacs(saddr: string, daddr: string, smac: string, dmac: string): void {
    if (smac) this.associate(smac, saddr);
    if (!dmac || dmac === 'ff:ff:ff:ff:ff:ff') return;
    const d = this.addresses.of(daddr);
    if (d.private) { this.associate(dmac, daddr); return; }
    if (this.gatewayMac || !d.valid || d.multicast || d.reserved || d.linkLocal || !this.addresses.of(saddr).private) return;
    this.gatewayMac = dmac;
    this.events.announce(`Detected gateway MAC: ${dmac}`);
    const ips = this.macIps.get(dmac);
    if (ips?.length) this.setGatewayIp(ips.find((x) => this.addresses.of(x).version === 4) ?? ips[0]!);
  }

  setGatewayIp(ip: string): void {
    if (this.gatewayIp || !this.addresses.of(ip).valid) return;
    this.gatewayIp = ip;
    this.events.announce(`Detected gateway IP: ${ip}`);
  }

  associate(mac: string, ip: string): void {
    if (!mac || !ip || ip === '0.0.0.0' || mac === 'ff:ff:ff:ff:ff:ff' || mac === '00:00:00:00:00:00') return;
    if (!this.addresses.of(ip).valid) return;
    let ips = this.macIps.get(mac);
    if (!ips) { ips = []; this.macIps.set(mac, ips); }
    if (!ips.includes(ip) && ips.length < 16) ips.push(ip);
    if (mac === this.gatewayMac && !this.gatewayIp && this.addresses.of(ip).private) this.setGatewayIp(ip);
  }

  ipsOfMac(mac: string): readonly string[] { return this.macIps.get(mac) ?? []; }

  /** A private destination of DNS traffic is a DNS server ("Detected DNS server by traffic heuristic"). */
  observeDnsServer(ip: string): void {
    if (this.dnsServers.has(ip) || this.dnsServers.size >= MAX_DNS_SERVERS || !this.addresses.of(ip).private) return;
    this.dnsServers.add(ip);
    this.events.announce(`Detected DNS server by traffic heuristic: ${ip}`);
  }

  observeDhcpServer(ip: string): void {
    if (ip && this.dhcpServers.size < MAX_DHCP_SERVERS) this.dhcpServers.add(ip);
  }
}
