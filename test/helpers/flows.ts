// Hand-made flows and a detection context that records evidence, for detector unit tests.
import type { ConnFlow } from '../../src/flows/types.ts';
import type { DetectionContext, Detector } from '../../src/detect/detector.ts';
import type { EvidenceInput } from '../../src/evidence/types.ts';
import { tmpdir } from 'node:os';
import { deriveSettings, defaultRawConfig, type RawConfig } from '../../src/config/config.ts';
import { createRunState, detectionContext as runDetectionContext, profilerFor } from '../../src/pipeline/compose.ts';
import type { Profiler } from '../../src/profiler/profiler.ts';
import { ReferenceData } from '../../src/enrich/reference.ts';
import { ThreatIntel } from '../../src/ti/service.ts';
import type { WhitelistView } from '../../src/whitelist/view.ts';
import type { DomainAgeSource } from '../../src/enrich/domain-age.ts';

export function conn(over: Partial<ConnFlow> = {}): ConnFlow {
  const f: ConnFlow = {
    type_: 'conn', starttime: 1000, uid: 'C1', saddr: '192.168.1.5', daddr: '8.8.8.8', interface: 'default',
    flow_source: 'zeek', ground_truth_label: '', detailed_ground_truth_label: '', sport: 50000, dport: 443, proto: 'tcp',
    appproto: '', dur: 1, sbytes: 100, dbytes: 100, spkts: 2, dpkts: 2, state: 'SF', history: 'ShADadFf', smac: '', dmac: '',
    endtime: 0, pkts: 0, bytes: 0, state_hist: 'ShADadFf', dir_: '->', ...over,
  };
  f.endtime = f.starttime + f.dur; f.pkts = f.spkts + f.dpkts; f.bytes = f.sbytes + f.dbytes;
  return f;
}

export interface RecordingContext extends DetectionContext {
  /** Evidence filed by the detectors, in order. */
  evidence: EvidenceInput[];
  /** The run's profiler (feed() in test/detect/flow_alerts/records.ts uses it as the pipeline does). */
  profiler: Profiler;
  /** Closes a window as the pipeline does: the detectors' onTimewindowClosed, then the per-window state is released. */
  closeWindow(detectors: Detector[], ip: string, tw: number): void;
  /** Services fixed at construction (whitelist, feeds, domain ages) can be given here. */
}

export interface ContextOptions {
  ti?: ThreatIntel;
  whitelist?: WhitelistView;
  domainAges?: DomainAgeSource | null;
  outputDir?: string;
}

/** The reference tables load in milliseconds but take memory: one for the whole test process. */
let reference: ReferenceData | null = null;

/** A real detector context (the run state and services the composition root builds), recording evidence. */
export function detectionContext(edit: (raw: RawConfig) => void = () => {}, o: ContextOptions = {}): RecordingContext {
  const raw = defaultRawConfig();
  edit(raw);
  const settings = deriveSettings(raw);
  const state = createRunState(settings, () => {});
  reference ??= ReferenceData.load();
  const evidence: EvidenceInput[] = [];
  const notWhitelisted: WhitelistView = { isDomainWhitelisted: () => false, isTopDomain: () => false };
  const ctx = runDetectionContext(settings, o.outputDir ?? tmpdir(), state,
    { reference, ti: o.ti ?? ThreatIntel.empty(), whitelist: o.whitelist ?? notWhitelisted, domainAges: o.domainAges ?? null },
    (ev) => { evidence.push(ev); return `id${evidence.length}`; });
  const profiler = profilerFor(settings, state, () => {}, () => {});
  const closeWindow = (detectors: Detector[], ip: string, tw: number): void => {
    for (const d of detectors) d.onTimewindowClosed?.(ip, tw);
    state.scanMarks.release(ip, tw);
    state.windowStates.release(ip, tw);
  };
  return Object.assign(ctx, { evidence, profiler, closeWindow });
}

export const fc = (ip: string, state = 'Established', tw = 1) => ({ ip, tw, twStart: 0, interpretedState: state });
