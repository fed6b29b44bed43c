// Evidence and alerts: the typed records every detector emits and the handler turns into alerts.

export const EVIDENCE_TYPES = [
  'ARP_SCAN', 'ARP_OUTSIDE_LOCALNET', 'UNSOLICITED_ARP', 'MITM_ARP_ATTACK', 'YOUNG_DOMAIN', 'MULTIPLE_SSH_VERSIONS',
  'DIFFERENT_LOCALNET', 'DEVICE_CHANGING_IP', 'NON_HTTP_PORT_80_CONNECTION', 'NON_SSL_PORT_443_CONNECTION',
  'WEIRD_HTTP_METHOD', 'INCOMPATIBLE_CN', 'CN_URL_MISMATCH', 'DGA_NXDOMAINS', 'DNS_WITHOUT_CONNECTION',
  'PASTEBIN_DOWNLOAD', 'CONNECTION_WITHOUT_DNS', 'DNS_ARPA_SCAN', 'UNKNOWN_PORT', 'PASSWORD_GUESSING',
  'HORIZONTAL_PORT_SCAN', 'CONNECTION_TO_PRIVATE_IP', 'GRE_TUNNEL', 'GRE_SCAN', 'VERTICAL_PORT_SCAN', 'SSH_SUCCESSFUL',
  'LONG_CONNECTION', 'SELF_SIGNED_CERTIFICATE', 'MULTIPLE_RECONNECTION_ATTEMPTS', 'CONNECTION_TO_MULTIPLE_PORTS',
  'HIGH_ENTROPY_DNS_ANSWER', 'INVALID_DNS_RESOLUTION', 'PORT_0_CONNECTION', 'MALICIOUS_JA3', 'MALICIOUS_JA3S',
  'DATA_UPLOAD', 'BAD_SMTP_LOGIN', 'SMTP_LOGIN_BRUTEFORCE', 'MALICIOUS_SSL_CERT', 'MALICIOUS_FLOW',
  'SUSPICIOUS_USER_AGENT', 'EMPTY_CONNECTIONS', 'INCOMPATIBLE_USER_AGENT', 'EXECUTABLE_MIME_TYPE',
  'MULTIPLE_USER_AGENT', 'HTTP_TRAFFIC', 'MALICIOUS_JARM', 'NETWORK_GPS_LOCATION_LEAKED', 'ICMP_TIMESTAMP_SCAN',
  'ICMP_ADDRESS_SCAN', 'ICMP_ADDRESS_MASK_SCAN', 'DHCP_SCAN', 'MALICIOUS_IP_FROM_P2P_NETWORK', 'P2P_REPORT',
  'COMMAND_AND_CONTROL_CHANNEL', 'THREAT_INTELLIGENCE_BLACKLISTED_ASN', 'THREAT_INTELLIGENCE_FROM_BLACKLISTED_IP',
  'THREAT_INTELLIGENCE_TO_BLACKLISTED_IP', 'THREAT_INTELLIGENCE_BLACKLISTED_DNS_ANSWER',
  'THREAT_INTELLIGENCE_BLACKLISTED_DOMAIN', 'THREAT_INTELLIGENCE_ANSWER_OF_BLACKLISTED_QUERY',
  'MALICIOUS_DOWNLOADED_FILE', 'THREAT_INTELLIGENCE_MALICIOUS_URL', 'LOGIN', 'TOR_EXIT_NODE',
  // This project's additions (documented in docs/differences.md).
  'BEACONING', 'SURICATA_ALERT', 'DNS_OVER_HTTPS', 'INVALID_CERTIFICATE',
  // The template module's (src/detect/template, disabled by default).
  'TEMPLATE_EXAMPLE',
] as const;
export type EvidenceType = (typeof EVIDENCE_TYPES)[number];
export const isEvidenceType = (s: string): s is EvidenceType => (EVIDENCE_TYPES as readonly string[]).includes(s);

export type ThreatLevel = 'info' | 'low' | 'medium' | 'high' | 'critical';
export const THREAT_VALUE: Record<ThreatLevel, number> = { info: 0, low: 0.2, medium: 0.5, high: 0.8, critical: 1 };

export type Direction = 'SRC' | 'DST';
export type IocType = 'IP' | 'URL' | 'DOMAIN' | 'MD5';

/** Facts about an attacker or victim gathered when the evidence is stored. */
export interface Enrichment {
  TI?: string;
  AS?: { org: string; number: string };
  /** Country name of a public IP (this project's addition; rendered after AS). */
  geocountry?: string;
  rDNS?: string;
  SNI?: string;
  DNS_resolution?: string[];
  queries?: string[];
  CNAME?: string[];
}

export interface Entity extends Enrichment {
  direction: Direction;
  ioc_type: IocType;
  value: string;
}

export type EvidenceMethod = 'Heuristic' | 'Statistical' | 'Signature' | 'Threshold' | 'AI' | 'Correlation' | 'Policy';

export interface Evidence {
  id: string;
  evidence_type: EvidenceType;
  description: string;
  attacker: Entity;
  victim: Entity | null;
  threat_level: ThreatLevel;
  confidence: number;
  /** IP of the profile the evidence is filed under (normally the attacker). */
  profile: string;
  timewindow: number;
  uid: string[];
  /** Flow time, epoch seconds. */
  timestamp: number;
  interface: string;
  proto: 'TCP' | 'UDP' | 'ICMP' | null;
  src_port: number | null;
  dst_port: number | null;
  method: EvidenceMethod;
  rel_id: string[] | null;
}

/** What a detector supplies; the rest (id, time window, interface, defaults) is filled in by the context. */
export type EvidenceInput = Omit<Evidence, 'id' | 'timewindow' | 'interface' | 'method' | 'rel_id' | 'proto' | 'src_port' | 'dst_port' | 'victim' | 'profile'>
  & Partial<Pick<Evidence, 'method' | 'rel_id' | 'interface' | 'victim' | 'profile' | 'timewindow'>>
  & { proto?: string | null; src_port?: number | null; dst_port?: number | null };

export interface Alert {
  id: string;
  profile: string;
  timewindow: number;
  tw_start: number;
  tw_end: number;
  accumulated_threat_level: number;
  confidence: number;
  threat_level: 'critical';
  correl_id: string[];
  last_evidence: Evidence;
  /** Wall-clock time the alert was raised (epoch seconds). */
  alert_time: number;
}

/** Alert confidence as the original computes it (not clamped): (acc - 4.8) / (26 - 4.8). */
export const alertConfidence = (accumulated: number): number => (accumulated - 4.8) / (26 - 4.8);

/** Word used for an evidence confidence in IDMEF notes. The lower-case "low" is the original's. */
export const confidenceWord = (c: number): string => (c >= 0.8 ? 'High' : c >= 0.55 ? 'Medium' : 'low');

export function normaliseProto(p: string | null | undefined): Evidence['proto'] {
  if (!p) return null;
  const u = p.toUpperCase();
  return u === 'TCP' || u === 'UDP' ? u : u.includes('ICMP') ? 'ICMP' : null;
}
