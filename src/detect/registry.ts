// Every detection module the engine runs, in order, and the services set up around the engine
// (whitelist, enrichment, threat intelligence) that are not per-flow detectors.
import type { DetectorFactory } from './detector.js';
import type { Engine } from '../profiler/engine.js';
import type { Settings } from '../config/config.js';
import { ConnChecks } from './flow_alerts/conn.js';
import { ConnContextChecks } from './flow_alerts/conn-context.js';
import { DnsChecks } from './flow_alerts/dns.js';
import { SslChecks } from './flow_alerts/ssl.js';
import { MiscLogChecks } from './flow_alerts/misc.js';
import { HttpAnalyzer } from './http_analyzer/http.js';
import { setupWhitelist } from '../whitelist/setup.js';
import { announceOfflineFlowAlerts } from './flow_alerts/setup.js';
import { SuricataAlerts } from './suricata/alerts.js';
import { NetworkDiscovery } from './network_discovery/index.js';
import { BruteForceDetector } from './brute_force/index.js';
import { ArpDetector } from './arp/index.js';
import { BeaconDetector } from './beaconing/index.js';
import { StratoLetters, setupLettersExport } from './letters/index.js';
import { IpInfo } from './threat_intelligence/ip-info.js';
import { ThreatIntelChecks } from './threat_intelligence/ti.js';
import { FingerprintChecks } from './threat_intelligence/fingerprints.js';
import { setupThreatIntel } from '../ti/setup.js';
import { setupEnrichment } from '../enrich/setup.js';
import { setupDomainAges } from '../enrich/domain-age.js';

export const DETECTORS: DetectorFactory[] = [
  (ctx) => new IpInfo(ctx),
  (ctx) => new ConnChecks(ctx),
  (ctx) => new ConnContextChecks(ctx),
  (ctx) => new DnsChecks(ctx),
  (ctx) => new SslChecks(ctx),
  (ctx) => new MiscLogChecks(ctx),
  (ctx) => new HttpAnalyzer(ctx),
  (ctx) => new SuricataAlerts(ctx),
  (ctx) => new NetworkDiscovery(ctx),
  (ctx) => new BruteForceDetector(ctx),
  (ctx) => new ArpDetector(ctx),
  (ctx) => new BeaconDetector(ctx),
  (ctx) => new StratoLetters(ctx),
  (ctx) => new FingerprintChecks(ctx),
  (ctx) => new ThreatIntelChecks(ctx),
];

/** What a service setup step may use. */
export interface SetupContext {
  engine: Engine;
  settings: Settings;
  outputDir: string;
  /** One line to the console and slips.log. */
  print(sender: string, text: string): void;
  /** An error to errors.log and stderr. */
  error(sender: string, text: string): void;
}

/** Run once after the engine is built, before the first flow (e.g. load the whitelist, register enrichers). */
export const SETUP: ((c: SetupContext) => void | Promise<void>)[] = [
  setupThreatIntel,
  setupWhitelist,
  setupDomainAges,
  announceOfflineFlowAlerts,
  setupLettersExport,
  setupEnrichment,
];
