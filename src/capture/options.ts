/**
 * Engine configuration: Zeek's defaults (for conformance) and Slips' production values.
 */
import { parseAddress } from './decode.js';

export interface PacketEngineOptions {
  /** 'zeek': Zeek 8 defaults; 'slips': what Slips passes to Zeek in production. Default 'slips'. */
  preset?: 'zeek' | 'slips';
  /** seconds; Zeek default 300, Slips 3600 */
  tcpInactivityTimeout?: number;
  udpInactivityTimeout?: number;
  icmpInactivityTimeout?: number;
  unknownIpInactivityTimeout?: number;
  /** seconds a SYN may go unanswered before the attempt is logged (Zeek 5, Slips 60) */
  tcpAttemptDelay?: number;
  tcpSynTimeout?: number;
  tcpCloseDelay?: number;
  tcpResetDelay?: number;
  tcpConnectionLinger?: number;
  tcpPartialCloseDelay?: number;
  tcpSessionTimer?: number;
  /** inactivity timeout for FTP/SSH/telnet/rlogin-port connections (conn/inactivity.zeek) */
  longLivedInactivityTimeout?: number;
  /** skip TCP/UDP/ICMP/IPv4 checksum validation (zeek -C). Zeek default false, Slips true */
  ignoreChecksums?: boolean;
  /** override likely_server_ports */
  likelyServerPorts?: { tcp: Iterable<number>; udp: Iterable<number> };
  /**
   * CIDRs for local_orig/local_resp. Default: Zeek's Site::local_nets default, the private
   * address space. An empty list leaves the two fields unset.
   */
  localNets?: string[];
  /** add orig_l2_addr/resp_l2_addr (policy/protocols/conn/mac-logging). Default: true for 'slips' */
  macLogging?: boolean;
  /** emit Slips-style arp.log records. Default true */
  arpLog?: boolean;
  /** seed for reproducible uids */
  uidSeed?: number;
  tcpMaxInitialWindow?: number;
  tcpMaxAboveHoleWithoutAnyAcks?: number;
  tcpExcessiveDataWithoutFurtherAcks?: number;
  /** Tunnel::max_depth */
  tunnelMaxDepth?: number;
  /** seconds an incomplete fragment set is kept (Zeek keeps them forever; we need a bound) */
  fragmentTimeout?: number;
  /**
   * UDP responder ports where Zeek's DNS analyzer attaches by port; it removes such a
   * connection after `dnsSessionTimeout` seconds without packets. Default 53, 137, 5353, 5355.
   */
  dnsUdpPorts?: Iterable<number>;
  /** Zeek's dns_session_timeout (10 s) */
  dnsSessionTimeout?: number;
}

export interface ResolvedOptions {
  preset: 'zeek' | 'slips';
  tcpInactivityTimeout: number;
  udpInactivityTimeout: number;
  icmpInactivityTimeout: number;
  unknownIpInactivityTimeout: number;
  tcpAttemptDelay: number;
  tcpSynTimeout: number;
  tcpCloseDelay: number;
  tcpResetDelay: number;
  tcpConnectionLinger: number;
  tcpPartialCloseDelay: number;
  tcpSessionTimer: number;
  longLivedInactivityTimeout: number;
  ignoreChecksums: boolean;
  likelyTcp: Set<number>;
  likelyUdp: Set<number>;
  localNets: LocalNets | null;
  macLogging: boolean;
  arpLog: boolean;
  uidSeed: number;
  tcpMaxInitialWindow: number;
  tcpMaxAboveHoleWithoutAnyAcks: number;
  tcpExcessiveDataWithoutFurtherAcks: number;
  tunnelMaxDepth: number;
  fragmentTimeout: number;
  dnsUdpPorts: Set<number>;
  dnsSessionTimeout: number;
}

/** Zeek 8.0's likely_server_ports with all base scripts loaded. */
export const ZEEK_LIKELY_TCP = [
  21, 22, 25, 53, 79, 80, 81, 88, 135, 139, 143, 389, 443, 445, 502, 563, 585, 587, 614, 631, 636, 989, 990, 992, 993,
  995, 1080, 1883, 2811, 3128, 3268, 3389, 5222, 5223, 5269, 5432, 6379, 6666, 6667, 6668, 6669, 8000, 8080, 8888,
  20000,
];
export const ZEEK_LIKELY_UDP = [
  53, 67, 88, 123, 137, 161, 162, 389, 443, 514, 1812, 2123, 2152, 3389, 3544, 4789, 5060, 5072, 5353, 5355, 6081,
  20000,
];
/** Slips additionally loads login.zeek, which registers telnet/rlogin/rsh. */
const SLIPS_EXTRA_TCP = [23, 513, 514];

/** Zeek's private_address_space (base/utils/site.zeek), the default Site::local_nets. */
export const PRIVATE_ADDRESS_SPACE = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/24',
  '239.0.0.0/8',
  '240.0.0.0/4',
  '255.255.255.255/32',
  '::/128',
  '::1/128',
  '100::/64',
  '2001::/23',
  '2001:db8::/32',
  'fc00::/7',
  'fe80::/10',
  // 6to4 forms of the IPv4 ranges above
  '2002:a00::/24',
  '2002:7f00::/24',
  '2002:a9fe::/32',
  '2002:ac10::/28',
  '2002:c000::/40',
  '2002:c000:200::/40',
  '2002:c0a8::/32',
  '2002:c612::/31',
  '2002:c633:6400::/40',
  '2002:cb00:7100::/40',
  '2002:e000::/40',
  '2002:ef00::/24',
  '2002:f000::/20',
  '2002:ffff:ffff::/48',
];

/** A set of CIDR prefixes; lookups take the address bytes straight from a packet. */
export class LocalNets {
  private readonly v4: Array<{ net: number; mask: number }> = [];
  private readonly v6: Array<{ net: Uint8Array; bits: number }> = [];

  constructor(cidrs: Iterable<string>) {
    for (const c of cidrs) {
      const [addr, bitsText] = c.split('/');
      const bytes = parseAddress(addr!.trim());
      if (!bytes) throw new Error(`bad network ${c}`);
      const bits = bitsText === undefined ? bytes.length * 8 : Number(bitsText);
      if (bytes.length === 4) {
        const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        const net = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
        this.v4.push({ net: (net & mask) >>> 0, mask });
      } else {
        this.v6.push({ net: bytes, bits });
      }
    }
  }

  get empty(): boolean {
    return this.v4.length === 0 && this.v6.length === 0;
  }

  contains(addr: Uint8Array): boolean {
    if (addr.length === 4) {
      const a = ((addr[0]! << 24) | (addr[1]! << 16) | (addr[2]! << 8) | addr[3]!) >>> 0;
      for (const n of this.v4) if ((a & n.mask) >>> 0 === n.net) return true;
      return false;
    }
    for (const n of this.v6) if (prefixMatch(addr, n.net, n.bits)) return true;
    return false;
  }
}

/** Zeek's default local networks (Site::private_address_space), as its analyzers use them. */
const PRIVATE_NETS = new LocalNets(PRIVATE_ADDRESS_SPACE);

/** Site::is_local_addr with the default local nets: is `addr` in the private address space? */
export function isPrivateAddress(addr: string): boolean {
  const b = parseAddress(addr);
  return b ? PRIVATE_NETS.contains(b) : false;
}

function prefixMatch(a: Uint8Array, net: Uint8Array, bits: number): boolean {
  let i = 0;
  for (; bits >= 8; bits -= 8, i++) if (a[i] !== net[i]) return false;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (a[i]! & mask) === (net[i]! & mask);
}

export function resolveOptions(o: PacketEngineOptions = {}): ResolvedOptions {
  const preset = o.preset ?? 'slips';
  const zeek = preset === 'zeek';
  const tcp = o.likelyServerPorts ? [...o.likelyServerPorts.tcp] : zeek ? ZEEK_LIKELY_TCP : [...ZEEK_LIKELY_TCP, ...SLIPS_EXTRA_TCP];
  const udp = o.likelyServerPorts ? [...o.likelyServerPorts.udp] : ZEEK_LIKELY_UDP;
  const nets = o.localNets ?? PRIVATE_ADDRESS_SPACE;
  const localNets = nets.length > 0 ? new LocalNets(nets) : null;
  return {
    preset,
    tcpInactivityTimeout: o.tcpInactivityTimeout ?? (zeek ? 300 : 3600),
    udpInactivityTimeout: o.udpInactivityTimeout ?? 60,
    icmpInactivityTimeout: o.icmpInactivityTimeout ?? 60,
    unknownIpInactivityTimeout: o.unknownIpInactivityTimeout ?? 60,
    tcpAttemptDelay: o.tcpAttemptDelay ?? (zeek ? 5 : 60),
    tcpSynTimeout: o.tcpSynTimeout ?? 5,
    tcpCloseDelay: o.tcpCloseDelay ?? 5,
    tcpResetDelay: o.tcpResetDelay ?? 5,
    tcpConnectionLinger: o.tcpConnectionLinger ?? 5,
    tcpPartialCloseDelay: o.tcpPartialCloseDelay ?? 3,
    tcpSessionTimer: o.tcpSessionTimer ?? 6,
    longLivedInactivityTimeout: o.longLivedInactivityTimeout ?? 3600,
    ignoreChecksums: o.ignoreChecksums ?? !zeek,
    likelyTcp: new Set(tcp),
    likelyUdp: new Set(udp),
    localNets,
    macLogging: o.macLogging ?? !zeek,
    arpLog: o.arpLog ?? true,
    uidSeed: o.uidSeed ?? 0x5eed,
    tcpMaxInitialWindow: o.tcpMaxInitialWindow ?? 16384,
    tcpMaxAboveHoleWithoutAnyAcks: o.tcpMaxAboveHoleWithoutAnyAcks ?? 16384,
    tcpExcessiveDataWithoutFurtherAcks: o.tcpExcessiveDataWithoutFurtherAcks ?? 10 * 1024 * 1024,
    tunnelMaxDepth: o.tunnelMaxDepth ?? 2,
    fragmentTimeout: o.fragmentTimeout ?? 60,
    dnsUdpPorts: new Set(o.dnsUdpPorts ?? [53, 137, 5353, 5355]),
    dnsSessionTimeout: o.dnsSessionTimeout ?? 10,
  };
}

/** Deterministic Zeek-style uids: "C" + base62 of 96 pseudo-random bits. */
export class UidGenerator {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    // splitmix32 to spread the seed over xoshiro128** state
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  private nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  next(prefix = 'C'): string {
    // 96 bits as six 16-bit limbs (most significant first), divided by 62 repeatedly.
    const limbs = this.limbs;
    for (let i = 0; i < 3; i++) {
      const w = this.nextU32();
      limbs[2 * i] = w >>> 16;
      limbs[2 * i + 1] = w & 0xffff;
    }
    let s = '';
    for (;;) {
      let rem = 0;
      let nonZero = false;
      for (let i = 0; i < 6; i++) {
        const cur = rem * 65536 + limbs[i]!;
        limbs[i] = Math.floor(cur / 62);
        rem = cur % 62;
        if (limbs[i]) nonZero = true;
      }
      s = BASE62[rem] + s;
      if (!nonZero) break;
    }
    return prefix + s;
  }

  private readonly limbs = [0, 0, 0, 0, 0, 0];
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
