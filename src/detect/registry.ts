// Every detection module the pipeline runs, in order: one line per detector, with the module it
// belongs to (what `modules.disable` names). The composition root (pipeline/compose.ts) builds
// each with its own context.
import type { DetectorEntry } from './detector.js';
import { ConnChecks } from './flow_alerts/conn.js';
import { ConnContextChecks } from './flow_alerts/conn-context.js';
import { DnsChecks } from './flow_alerts/dns.js';
import { SslChecks } from './flow_alerts/ssl.js';
import { MiscLogChecks } from './flow_alerts/misc.js';
import { HttpAnalyzer } from './http_analyzer/http.js';
import { SuricataAlerts } from './suricata/alerts.js';
import { NetworkDiscovery } from './network_discovery/index.js';
import { BruteForceDetector } from './brute_force/index.js';
import { ArpDetector } from './arp/index.js';
import { BeaconDetector } from './beaconing/index.js';
import { StratoLetters } from './letters/index.js';
import { IpInfo } from './threat_intelligence/ip-info.js';
import { ThreatIntelChecks } from './threat_intelligence/ti.js';
import { FingerprintChecks } from './threat_intelligence/fingerprints.js';
import { TemplateDetector } from './template/index.js';

export const DETECTORS: readonly DetectorEntry[] = [
  { module: 'ip_info', make: (ctx) => new IpInfo(ctx) },
  { module: 'flow_alerts', make: (ctx) => new ConnChecks(ctx) },
  { module: 'flow_alerts', make: (ctx) => new ConnContextChecks(ctx) },
  { module: 'flow_alerts', make: (ctx) => new DnsChecks(ctx) },
  { module: 'flow_alerts', make: (ctx) => new SslChecks(ctx) },
  { module: 'flow_alerts', make: (ctx) => new MiscLogChecks(ctx) },
  { module: 'http_analyzer', make: (ctx) => new HttpAnalyzer(ctx) },
  { module: 'suricata_alerts', make: (ctx) => new SuricataAlerts(ctx) },
  { module: 'network_discovery', make: (ctx) => new NetworkDiscovery(ctx) },
  { module: 'brute_force_detector', make: (ctx) => new BruteForceDetector(ctx) },
  { module: 'arp', make: (ctx) => new ArpDetector(ctx) },
  { module: 'beaconing', make: (ctx) => new BeaconDetector(ctx) },
  { module: 'strato_letters', make: (ctx) => new StratoLetters(ctx) },
  // JA3/JA3S and certificate fingerprints are part of flow_alerts in the original.
  { module: 'flow_alerts', make: (ctx) => new FingerprintChecks(ctx) },
  { module: 'threat_intelligence', make: (ctx) => new ThreatIntelChecks(ctx) },
  // Disabled by default (modules.disable: [template]); the detector to copy when adding one.
  { module: 'template', make: (ctx) => new TemplateDetector(ctx) },
];
