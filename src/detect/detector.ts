// The contract between the pipeline and a detection module, and what a detector is given.
import type { Flow } from '../flows/types.js';
import type { EvidenceInput } from '../evidence/types.js';
import type { Settings } from '../config/config.js';
import type { NetworkKnowledge } from '../profiler/network.js';
import type { PortRegistry } from '../enrich/ports.js';
import type { ProfileState, ProfileStore } from '../store/store.js';
import type { DnsResolutions } from '../profiler/dns-cache.js';
import type { TrafficFacts } from '../enrich/traffic-facts.js';
import type { ConnectionIndex } from '../profiler/connections.js';
import type { AddressFacts } from '../util/address-facts.js';
import type { ReferenceData } from '../enrich/reference.js';
import type { ThreatIntel } from '../ti/service.js';
import type { WhitelistView } from '../whitelist/view.js';
import type { DomainAgeSource } from '../enrich/domain-age.js';
import type { ScanMarks } from './scan-marks.js';
import type { OncePerWindow, WhenFull, WindowState } from './window-state.js';

/** The profile and time window a flow was filed under. */
export interface FlowContext {
  /** Profile IP (the flow's source): the profile's own string, safe to store. */
  ip: string;
  tw: number;
  twStart: number;
  /** "Established", "Not Established" or an ICMP label for conn-like flows; "" otherwise. */
  interpretedState: string;
}

/**
 * What a detector may use: the run's knowledge and services, built by the composition root
 * (pipeline/compose.ts) before any detector. Everything is synchronous.
 */
export interface DetectionContext {
  readonly settings: Settings;
  /** The output folder (for detectors that write a file of their own, e.g. strato_letters.tsv). */
  readonly outputDir: string;
  readonly network: NetworkKnowledge;
  readonly ports: PortRegistry;
  readonly store: ProfileStore;
  /** DNS answers seen so far (filled before detectors see the DNS flow). */
  readonly dns: DnsResolutions;
  /** Reverse DNS, server names, certificates and DoH servers seen per address. */
  readonly facts: TrafficFacts;
  /** Recent connections by uid (filled before detectors see the flow). */
  readonly connections: ConnectionIndex;
  /** The run's memory of address facts (use it rather than computing ipFacts again). */
  readonly addresses: AddressFacts;
  /** AS numbers, countries, MAC vendors, user agents, organisations. */
  readonly reference: ReferenceData;
  readonly ti: ThreatIntel;
  readonly whitelist: WhitelistView;
  /** Where domain creation dates come from (YOUNG_DOMAIN); null when none is configured. */
  readonly domainAges: DomainAgeSource | null;
  /** Profiles a scan detector marked as scanners in a window (other detections stay quiet for them). */
  readonly scanMarks: ScanMarks;
  /** State per profile and window that the pipeline frees when the window closes (after onTimewindowClosed). */
  perWindow<V>(onRelease?: (value: V, ip: string, tw: number) => void): WindowState<V>;
  /** A record of what was already reported per profile and window, at most `limit` keys each. */
  oncePerWindow(limit: number, whenFull: WhenFull): OncePerWindow;
  /** Files evidence under the detector's module. The time window is derived from the timestamp and profile. */
  emit(ev: EvidenceInput): string;
  /** Time-window number of a traffic time. */
  timewindowOf(ts: number): number;
}

export interface Detector {
  onFlow(flow: Flow, fc: FlowContext): void;
  /** A profile's time window closed: emit per-window evidence, release per-window state. */
  onTimewindowClosed?(ip: string, tw: number): void;
  /** End of input: flush anything pending (the windows still open close after this). */
  onEnd?(): void;
  /** The run is over: every window closed, every profile written (e.g. close a file of one's own). */
  onFinished?(): void;
  /** Adds what the detector knows to a profile just before its row is written (at the end, or when it is forgotten). */
  describeProfile?(p: ProfileState): void;
}

/** A registry line: the module a detector belongs to (matched by `modules.disable`) and how to build it. */
export interface DetectorEntry {
  readonly module: string;
  make(ctx: DetectionContext): Detector;
}

/** Drops a flow before profiling (the flow whitelist); true = drop. */
export interface FlowFilter { dropFlow(flow: Flow): boolean }
