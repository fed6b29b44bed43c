// The contract between the engine and a detection module.
import type { Flow } from '../flows/types.js';
import type { EvidenceInput } from '../evidence/types.js';
import type { Settings } from '../config/config.js';
import type { NetworkKnowledge } from '../profiler/network.js';
import type { PortRegistry } from '../enrich/ports.js';
import type { ProfileState, ProfileStore } from '../store/store.js';
import type { DnsResolutions } from '../profiler/dns-cache.js';
import type { TrafficFacts } from '../enrich/traffic-facts.js';

/** The profile and time window a flow was filed under. */
export interface FlowContext {
  /** Profile IP (the flow's source). */
  ip: string;
  tw: number;
  twStart: number;
  /** "Established", "Not Established" or an ICMP label for conn-like flows; "" otherwise. */
  interpretedState: string;
}

/** Services a detector may use; everything is synchronous. */
export interface DetectionContext {
  readonly settings: Settings;
  readonly network: NetworkKnowledge;
  readonly ports: PortRegistry;
  readonly store: ProfileStore;
  /** DNS answers seen so far (filled before detectors see the DNS flow). */
  readonly dns: DnsResolutions;
  /** Reverse DNS, server names and certificates seen per address (filled before detectors and filters see the flow). */
  readonly facts: TrafficFacts;
  /** Files evidence. The time window is derived from the evidence's timestamp and profile. */
  emit(ev: EvidenceInput): string;
  /** Time-window number of a traffic time. */
  timewindowOf(ts: number): number;
  /** Marks a profile as a port scanner in a time window (suppresses UNKNOWN_PORT, as the original). */
  markScanner(ip: string, tw: number): void;
  isScanner(ip: string, tw: number): boolean;
}

export interface Detector {
  /** Module name, matched by `modules.disable`. */
  readonly module: string;
  onFlow(flow: Flow, fc: FlowContext): void;
  /** A profile's time window closed: release per-window state, emit per-window evidence. */
  onTimewindowClosed?(ip: string, tw: number): void;
  /** End of input: flush anything pending. */
  onEnd?(): void;
  /** Adds what the detector knows to a profile just before its row is written (at the end, or when it is forgotten). */
  describeProfile?(p: ProfileState): void;
}

export type DetectorFactory = (ctx: DetectionContext) => Detector;

/** Drops a flow before profiling (the flow whitelist); true = drop. */
export interface FlowFilter { dropFlow(flow: Flow): boolean }
