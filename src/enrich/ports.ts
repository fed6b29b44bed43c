// Known service ports: the list behind UNKNOWN_PORT and the service names in scan descriptions.
// Written for this project from public port assignments (IANA registry and common practice);
// the original's data file is GPL and is not used.

/** name, port, protocol */
const SERVICES: [string, number, 'tcp' | 'udp' | 'both'][] = [
  ['ftp-data', 20, 'tcp'], ['ftp', 21, 'tcp'], ['ssh', 22, 'tcp'], ['telnet', 23, 'tcp'], ['smtp', 25, 'tcp'],
  ['time', 37, 'both'], ['whois', 43, 'tcp'], ['DNS', 53, 'both'], ['dhcp-server', 67, 'udp'], ['dhcp-client', 68, 'udp'],
  ['tftp', 69, 'udp'], ['gopher', 70, 'tcp'], ['finger', 79, 'tcp'], ['http', 80, 'tcp'], ['http-alt', 81, 'tcp'],
  ['kerberos', 88, 'both'], ['pop3', 110, 'tcp'], ['sunrpc', 111, 'both'], ['ident', 113, 'tcp'], ['nntp', 119, 'tcp'],
  ['ntp', 123, 'udp'], ['msrpc', 135, 'both'], ['netbios-ns', 137, 'udp'], ['netbios-dgm', 138, 'udp'],
  ['netbios-ssn', 139, 'tcp'], ['imap', 143, 'tcp'], ['snmp', 161, 'udp'], ['snmptrap', 162, 'udp'], ['bgp', 179, 'tcp'],
  ['irc', 194, 'tcp'], ['ldap', 389, 'both'], ['https', 443, 'tcp'], ['quic', 443, 'udp'], ['microsoft-ds', 445, 'tcp'],
  ['kpasswd', 464, 'both'], ['smtps', 465, 'tcp'], ['isakmp', 500, 'udp'], ['exec', 512, 'tcp'], ['login', 513, 'tcp'],
  ['shell', 514, 'tcp'], ['syslog', 514, 'udp'], ['printer', 515, 'tcp'], ['rip', 520, 'udp'], ['dhcpv6-client', 546, 'udp'],
  ['dhcpv6-server', 547, 'udp'], ['rtsp', 554, 'both'], ['submission', 587, 'tcp'], ['ipp', 631, 'tcp'],
  ['ldaps', 636, 'tcp'], ['rsync', 873, 'tcp'], ['ftps-data', 989, 'tcp'], ['ftps', 990, 'tcp'], ['imaps', 993, 'tcp'],
  ['pop3s', 995, 'tcp'], ['socks', 1080, 'tcp'], ['openvpn', 1194, 'both'], ['ms-sql-s', 1433, 'tcp'],
  ['ms-sql-m', 1434, 'udp'], ['oracle', 1521, 'tcp'], ['l2tp', 1701, 'udp'], ['pptp', 1723, 'tcp'], ['ssdp', 1900, 'udp'],
  ['radius', 1812, 'udp'], ['radius-acct', 1813, 'udp'], ['nfs', 2049, 'both'], ['docker', 2375, 'tcp'],
  ['docker-s', 2376, 'tcp'], ['squid', 3128, 'tcp'], ['ldap-gc', 3268, 'tcp'], ['ldap-gc-ssl', 3269, 'tcp'],
  ['mysql', 3306, 'tcp'], ['rdp', 3389, 'both'], ['stun', 3478, 'both'], ['ipsec-nat-t', 4500, 'udp'],
  ['sip', 5060, 'both'], ['sips', 5061, 'tcp'], ['xmpp-client', 5222, 'tcp'], ['apple-push', 5223, 'tcp'],
  ['xmpp-server', 5269, 'tcp'], ['mdns', 5353, 'udp'], ['llmnr', 5355, 'udp'], ['postgresql', 5432, 'tcp'],
  ['amqp', 5672, 'tcp'], ['vnc', 5900, 'tcp'], ['winrm', 5985, 'tcp'], ['winrm-https', 5986, 'tcp'],
  ['x11', 6000, 'tcp'], ['redis', 6379, 'tcp'], ['irc', 6667, 'tcp'], ['bittorrent', 6881, 'both'],
  ['http-alt', 8000, 'tcp'], ['http-alt', 8008, 'tcp'], ['http-proxy', 8080, 'tcp'], ['http-alt', 8081, 'tcp'],
  ['https-alt', 8443, 'tcp'], ['http-alt', 8888, 'tcp'], ['mqtt', 1883, 'tcp'], ['secure-mqtt', 8883, 'tcp'],
  ['teamviewer', 5938, 'both'], ['jetdirect', 9100, 'tcp'], ['tor-socks', 9050, 'tcp'], ['tor-orport', 9001, 'tcp'],
  ['elasticsearch', 9200, 'tcp'], ['memcached', 11211, 'both'], ['mongodb', 27017, 'tcp'], ['steam', 27015, 'udp'],
  ['wireguard', 51820, 'udp'], ['ws-discovery', 3702, 'udp'], ['netbios-ns', 137, 'tcp'], ['nat-pmp', 5351, 'udp'],
  ['coap', 5683, 'udp'], ['ntp', 123, 'tcp'], ['dns-over-tls', 853, 'tcp'], ['spotify', 4070, 'tcp'],
  ['googletalk', 19302, 'udp'], ['whatsapp', 5222, 'udp'], ['epmap', 135, 'tcp'], ['kerberos-adm', 749, 'tcp'],
  ['git', 9418, 'tcp'], ['cassandra', 9042, 'tcp'], ['kafka', 9092, 'tcp'], ['zookeeper', 2181, 'tcp'],
  ['influxdb', 8086, 'tcp'], ['prometheus', 9090, 'tcp'], ['grafana', 3000, 'tcp'], ['svn', 3690, 'tcp'],
  ['cups', 631, 'udp'], ['upnp', 5000, 'tcp'], ['dropbox-lansync', 17500, 'udp'], ['ntp', 4460, 'tcp'],
  ['ms-wbt-server', 3389, 'udp'], ['icslap', 2869, 'tcp'], ['ms-lsa', 1026, 'tcp'], ['wsdapi', 5357, 'tcp'],
  ['minecraft', 25565, 'tcp'], ['xbox-live', 3074, 'both'], ['skype', 3478, 'udp'], ['zoom', 8801, 'udp'],
  ['ms-teams', 3480, 'udp'], ['imap-alt', 220, 'tcp'], ['afp', 548, 'tcp'], ['dhcp-failover', 647, 'tcp'],
  ['ptp-event', 319, 'udp'], ['ptp-general', 320, 'udp'], ['snmp', 161, 'tcp'], ['bootps', 67, 'tcp'],
];

export class PortRegistry {
  private readonly names = new Map<string, string>();
  /** The known ports by number, for isKnown on every conn flow without building a "port/proto" key. */
  private readonly tcp = new Set<number>();
  private readonly udp = new Set<number>();
  constructor(entries: [string, number, 'tcp' | 'udp' | 'both'][] = SERVICES) {
    for (const [name, port, proto] of entries) {
      for (const p of proto === 'both' ? ['tcp', 'udp'] : [proto]) {
        const key = `${port}/${p}`;
        if (!this.names.has(key)) this.names.set(key, name);
        (p === 'tcp' ? this.tcp : this.udp).add(port);
      }
    }
  }
  /** Service name of "<port>/<proto>" (proto matched case-insensitively), or undefined when unknown. */
  name(port: number, proto: string): string | undefined { return this.names.get(`${port}/${proto.toLowerCase()}`); }
  isKnown(port: number, proto: string): boolean {
    if (proto === 'tcp') return this.tcp.has(port);
    if (proto === 'udp') return this.udp.has(port);
    return this.names.has(`${port}/${proto.toLowerCase()}`);
  }
  get size(): number { return this.names.size; }
}
