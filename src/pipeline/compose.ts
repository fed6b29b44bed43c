// The composition root of an analysis: the run's shared knowledge first, then the services that
// use it (threat intelligence, whitelist, domain ages, reference data, evidence enrichment), then
// the detectors with a context holding all of them, then the pipeline. The order is this file's.
// Nothing here is kept in module scope: two analyses in one process share nothing.
import type { Settings } from '../config/config.js';
import { EvidenceHandler } from '../evidence/handler.js';
import type { IdGenerator } from '../evidence/ids.js';
import type { ProfileStore, TimewindowState } from '../store/store.js';
import { MemoryStore } from '../store/memory.js';
import type { DetectionContext, DetectorEntry } from '../detect/detector.js';
import type { WhitelistView } from '../whitelist/view.js';
import type { DomainAgeSource } from '../enrich/domain-age.js';
import { DETECTORS } from '../detect/registry.js';
import { ScanMarks } from '../detect/scan-marks.js';
import { WindowStates } from '../detect/window-state.js';
import { SinkFanOut, type AnalysisSink } from '../sinks/sink.js';
import { TimeWindowGrid } from '../profiler/timewindows.js';
import { NetworkKnowledge } from '../profiler/network.js';
import { DnsResolutions } from '../profiler/dns-cache.js';
import { ConnectionIndex } from '../profiler/connections.js';
import { Profiler } from '../profiler/profiler.js';
import { TrafficFacts } from '../enrich/traffic-facts.js';
import { PortRegistry } from '../enrich/ports.js';
import { ReferenceData } from '../enrich/reference.js';
import { EntityEnricher } from '../enrich/enricher.js';
import { OnlineReverseDns } from '../enrich/online-rdns.js';
import { loadDomainAges } from '../enrich/domain-age.js';
import { loadThreatIntel, type ServiceLog } from '../ti/setup.js';
import type { ThreatIntel } from '../ti/service.js';
import { loadWhitelist } from '../whitelist/setup.js';
import { AddressFacts } from '../util/address-facts.js';
import { normaliseModuleName, Pipeline, type ModuleDetector, type PipelineHooks } from './pipeline.js';

export interface AnalysisOptions {
  settings: Settings;
  outputDir: string;
  /** Where results go, in order (text files, then the database, then exporters, ...). */
  sinks: AnalysisSink[];
  ids: IdGenerator;
  /** Wall-clock source for alert times (injected so tests are deterministic). */
  now: () => number;
  log: ServiceLog;
  hooks: PipelineHooks & { sinkError(sink: string, err: unknown): void };
  /** The detectors (default: every registered one, less `modules.disable`). */
  detectors?: readonly DetectorEntry[];
  /** Services already loaded (e.g. the same feeds for several analyses); loaded here otherwise. */
  threatIntel?: ThreatIntel;
  reference?: ReferenceData;
  /** The profile store (default: in memory). */
  store?: ProfileStore;
}

export interface Analysis {
  pipeline: Pipeline;
  sinks: SinkFanOut;
  ti: ThreatIntel;
}

/** What the run learns from its traffic, filled by the profiler and read by everything else. */
export interface RunState {
  addresses: AddressFacts;
  grid: TimeWindowGrid;
  store: ProfileStore;
  network: NetworkKnowledge;
  dns: DnsResolutions;
  facts: TrafficFacts;
  connections: ConnectionIndex;
  ports: PortRegistry;
  scanMarks: ScanMarks;
  windowStates: WindowStates;
}

export function createRunState(settings: Settings, announce: (text: string) => void, store: ProfileStore = new MemoryStore()): RunState {
  const addresses = new AddressFacts();
  return {
    addresses, grid: new TimeWindowGrid(settings.width, settings.onlyOneTw), store,
    network: new NetworkKnowledge(settings.clientIps, { announce }, addresses), dns: new DnsResolutions(addresses),
    facts: new TrafficFacts(addresses), connections: new ConnectionIndex(), ports: new PortRegistry(), scanMarks: new ScanMarks(),
    windowStates: new WindowStates(),
  };
}

/** The services a detector context holds besides the run state. */
export interface DetectorServices {
  reference: ReferenceData; ti: ThreatIntel; whitelist: WhitelistView; domainAges: DomainAgeSource | null;
}

/** A detector's context: the run state and services, and an emit that files evidence for it. */
export function detectionContext(settings: Settings, outputDir: string, state: RunState, services: DetectorServices,
  emit: DetectionContext['emit']): DetectionContext {
  const { network, ports, store, dns, facts, connections, addresses, scanMarks, grid, windowStates } = state;
  return { settings, outputDir, network, ports, store, dns, facts, connections, addresses, scanMarks, ...services, emit,
    timewindowOf: (ts) => grid.numberFor(ts), perWindow: (onRelease) => windowStates.create(onRelease),
    oncePerWindow: (limit, whenFull) => windowStates.once(limit, whenFull) };
}

/** The profiler of a run state. */
export const profilerFor = (settings: Settings, state: RunState, closeEarly: (w: TimewindowState) => void,
  announce: (text: string) => void): Profiler =>
  new Profiler({ settings, grid: state.grid, store: state.store, network: state.network, dns: state.dns,
    connections: state.connections }, closeEarly, announce);

export async function composeAnalysis(o: AnalysisOptions): Promise<Analysis> {
  const { settings, log } = o;
  const announce = (t: string): void => o.hooks.announce(t);
  const state = createRunState(settings, announce, o.store);
  const { addresses, grid, store, dns, facts, scanMarks, windowStates } = state;

  // Services, each from what came before it.
  const reference = o.reference ?? ReferenceData.load();
  const ti = o.threatIntel ?? await loadThreatIntel(settings, log);
  const whitelist = loadWhitelist(settings, { ti, dns, store, facts, orgs: reference.orgs, addresses }, log);
  const domainAges = loadDomainAges(settings, log);
  const ipInfo = settings.raw.ip_info;
  const onlineRdns = ipInfo.online_rdns === true ? new OnlineReverseDns({ timeoutMs: Number(ipInfo.online_lookup_timeout) * 1000 }) : null;
  if (onlineRdns) log.print('ip_info', 'Reverse DNS lookups through the system resolver are enabled (ip_info.online_rdns).');
  const enricher = new EntityEnricher(dns, facts, ti, reference, addresses, onlineRdns);

  const sinks = new SinkFanOut(o.sinks, o.hooks.sinkError);
  const handler = new EvidenceHandler({ alertThreshold: settings.alertThreshold, disabledDetections: settings.disabledDetections,
    now: o.now }, store, grid, sinks, o.ids, [enricher], [whitelist]);
  const pipeline = new Pipeline({ settings, grid, store, facts, scanMarks, windowStates, handler, ids: o.ids, sinks, hooks: o.hooks,
    filters: [whitelist] });

  // Detectors: one context each, whose emit files evidence under the detector's module.
  const services: DetectorServices = { reference, ti, whitelist, domainAges };
  const disabled = settings.disabledModules.map(normaliseModuleName).filter(Boolean);
  const detectors: ModuleDetector[] = [];
  for (const entry of o.detectors ?? DETECTORS) {
    const name = normaliseModuleName(entry.module);
    if (disabled.some((x) => name.includes(x))) continue;
    const ctx = detectionContext(settings, o.outputDir, state, services, (ev) => pipeline.emit(ev, entry.module));
    detectors.push({ module: entry.module, detector: entry.make(ctx) });
  }
  pipeline.attach(profilerFor(settings, state, pipeline.closeWindow, announce), detectors);
  return { pipeline, sinks, ti };
}
