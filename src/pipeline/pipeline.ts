// The analysis pipeline after the readers: each flow is filtered (whitelist), profiled, recorded
// by the sinks and seen by every detector; time windows close as traffic time moves on; evidence
// goes through the evidence handler to the sinks. Built by compose.ts; synchronous per flow.
import type { Flow } from '../flows/types.js';
import { isConnLike } from '../flows/types.js';
import type { Settings } from '../config/config.js';
import type { Evidence, EvidenceInput } from '../evidence/types.js';
import { normaliseProto, THREAT_VALUE, type ThreatLevel } from '../evidence/types.js';
import type { EvidenceHandler } from '../evidence/handler.js';
import type { IdGenerator } from '../evidence/ids.js';
import type { ProfileState, ProfileStore, TimewindowState } from '../store/store.js';
import type { Detector, FlowFilter } from '../detect/detector.js';
import type { ScanMarks } from '../detect/scan-marks.js';
import type { WindowStates } from '../detect/window-state.js';
import type { SinkFanOut } from '../sinks/sink.js';
import type { Profiler } from '../profiler/profiler.js';
import type { TrafficFacts } from '../enrich/traffic-facts.js';
import type { TimeWindowGrid } from '../profiler/timewindows.js';
import { aidHash } from '../util/aid.js';

export interface PipelineHooks {
  /** One-time facts about the network, printed and logged. */
  announce(text: string): void;
  /** A detector threw; that step is skipped for that detector and the run goes on. */
  detectorError(module: string, where: string, err: unknown): void;
}

export interface PipelineStats {
  flows: number;
  /** Flows dropped by a flow filter (whitelist). */
  filtered: number;
  /** Profiles in memory (the profiles table has all of them). */
  profiles: number;
  evidence: number;
  alerts: number;
  closedTimewindows: number;
  /** Profile windows shed by the DoS protection (parameters.max_profiles_per_timewindow). */
  shedProfiles: number;
}

/** A detector with the module it belongs to. */
export interface ModuleDetector { module: string; detector: Detector }

/** What the pipeline is made of; compose.ts builds these in order. */
export interface PipelineParts {
  settings: Settings;
  grid: TimeWindowGrid;
  store: ProfileStore;
  facts: TrafficFacts;
  scanMarks: ScanMarks;
  windowStates: WindowStates;
  handler: EvidenceHandler;
  ids: IdGenerator;
  sinks: SinkFanOut;
  hooks: PipelineHooks;
  /** Flow whitelist and similar: consulted before a flow is profiled. */
  filters: FlowFilter[];
}

const dedupe = (xs: string[]): string[] => (xs.length < 2 ? xs : [...new Set(xs)]);

/** Nothing known about the profile beyond its counts: no evidence, MAC, host name or facts. */
const isTrivial = (p: ProfileState): boolean => p.maxThreatLevel === 'info' && !p.mac && !p.hostname && isEmpty(p.info);
function isEmpty(o: object): boolean { for (const _ in o) return false; return true; }

export class Pipeline {
  private detectors: ModuleDetector[] = [];
  private profiler: Profiler | null = null;
  private maxTs = -Infinity;
  private nextCloseCheck = Infinity;
  private flows = 0;
  private filtered = 0;
  private closed = 0;

  constructor(private readonly p: PipelineParts) {}

  /** The profiler and the detectors are built with the pipeline's emit and closeWindow, so they come second. */
  attach(profiler: Profiler, detectors: ModuleDetector[]): void { this.profiler = profiler; this.detectors = detectors; }

  get activeModules(): string[] { return [...new Set(this.detectors.map((d) => d.module))]; }

  get grid(): TimeWindowGrid { return this.p.grid; }

  /** Files one evidence of `module` (what a detector's ctx.emit does). */
  emit(input: EvidenceInput, module: string): string {
    const profile = input.profile
      ?? (input.attacker.direction === 'SRC' || !input.victim ? input.attacker.value : input.victim.value);
    const ev: Evidence = {
      id: this.p.ids.next(),
      evidence_type: input.evidence_type,
      description: input.description,
      attacker: input.attacker,
      victim: input.victim ?? null,
      threat_level: input.threat_level,
      confidence: input.confidence,
      profile,
      timewindow: input.timewindow ?? this.p.grid.numberFor(input.timestamp),
      uid: dedupe(input.uid),
      timestamp: input.timestamp,
      interface: input.interface ?? 'default',
      proto: normaliseProto(input.proto),
      src_port: input.src_port ?? null,
      dst_port: input.dst_port ?? null,
      method: input.method ?? 'Heuristic',
      rel_id: input.rel_id ?? null,
    };
    if (this.p.handler.handle(ev)) this.labelProfile(ev, module);
    return ev.id;
  }

  /**
   * The labels modules gave a profile (profile field `modules_labels`): for each module, the highest
   * threat level of the evidence it filed with the profile as attacker.
   */
  private labelProfile(ev: Evidence, module: string): void {
    if (ev.attacker.direction !== 'SRC') return;
    const p = this.p.store.profile(ev.profile);
    if (!p) return;
    const labels = (p.info.modules_labels ??= {}) as Record<string, ThreatLevel>;
    const old = labels[module];
    if (!old || THREAT_VALUE[ev.threat_level] > THREAT_VALUE[old]) labels[module] = ev.threat_level;
  }

  /** Analyses one flow. Synchronous. */
  process(flow: Flow): void {
    // Readers hand over only flows with sane values and IP endpoints (input/flow-gate.ts).
    const t = flow.type_;
    // Names of servers are learnt even from flows the whitelist drops: they still name the address.
    if (t === 'ssl' || t === 'dns') this.p.facts.observe(flow);
    for (const f of this.p.filters) if (f.dropFlow(flow)) { this.filtered++; return; }
    this.flows++;
    const { fc, profile } = this.profiler!.profile(flow);
    const profileid = `profile_${profile.ip}`, twid = `timewindow${fc.tw}`;
    if (isConnLike(flow)) {
      this.p.sinks.flow(flow, profileid, twid, 'benign', aidHash(flow.starttime, flow.saddr, flow.daddr, flow.proto, flow.sport, flow.dport));
    } else this.p.sinks.altflow(flow, profileid, twid, 'benign');
    for (const d of this.detectors) {
      try { d.detector.onFlow(flow, fc); } catch (e) { this.p.hooks.detectorError(d.module, `flow ${flow.uid}`, e); }
    }
    this.p.scanMarks.commit();

    const ts = flow.starttime;
    if (ts > this.maxTs) {
      this.maxTs = ts;
      this.p.sinks.trafficTime(ts);
      if (this.nextCloseCheck === Infinity) this.nextCloseCheck = ts + this.p.settings.width;
      if (ts >= this.nextCloseCheck) this.closeIdleWindows();
    }
  }

  /**
   * Closes windows that ended more than one width ago in traffic time. The extra width of grace
   * covers records that arrive late because Zeek logs a connection when it ends.
   */
  private closeIdleWindows(): void {
    const width = this.p.settings.width;
    const due: TimewindowState[] = [];
    for (const w of this.p.store.openTimewindows()) if (w.end + width <= this.maxTs) due.push(w);
    for (const w of due) this.closeWindow(w);
    this.nextCloseCheck = this.maxTs + width / 4;
  }

  /** Closes a window: detectors finish and release it, its row is written, a trivial profile is forgotten. */
  readonly closeWindow = (w: TimewindowState): void => {
    for (const d of this.detectors) {
      try { d.detector.onTimewindowClosed?.(w.ip, w.number); } catch (e) { this.p.hooks.detectorError(d.module, `closing profile_${w.ip} timewindow${w.number}`, e); }
    }
    this.p.scanMarks.release(w.ip, w.number);
    this.p.windowStates.release(w.ip, w.number);
    const store = this.p.store;
    store.closeTimewindow(w.ip, w.number);
    this.p.sinks.timewindow({ ip: w.ip, number: w.number, start: w.start, end: w.end, flows: w.flows,
      evidence: w.evidenceCount, alerts: w.alerts, accumulated: w.accumulated });
    this.closed++;
    // A profile nothing was learnt about (a scanned-from or spoofed address) costs nothing once its
    // windows closed: its row is written and it is forgotten (written again, merged, if it returns).
    const p = store.profile(w.ip);
    if (p && isTrivial(p) && store.dropProfile(w.ip)) this.writeProfile(p);
  };

  private writeProfile(p: ProfileState): void {
    for (const d of this.detectors) {
      if (!d.detector.describeProfile) continue;
      try { d.detector.describeProfile(p); } catch (e) { this.p.hooks.detectorError(d.module, `describing profile_${p.ip}`, e); }
    }
    this.p.sinks.profile({ ip: p.ip, firstSeen: p.firstSeen, lastSeen: p.lastSeen, flows: p.flows,
      threatLevel: p.threatLevel, maxThreatLevel: p.maxThreatLevel, confidence: p.confidence, mac: p.mac,
      info: { ...p.info, hostname: p.hostname || undefined } });
  }

  /** End of input: detectors flush pending checks, every window closes, profiles are written. */
  finish(): void {
    for (const d of this.detectors) {
      try { d.detector.onEnd?.(); } catch (e) { this.p.hooks.detectorError(d.module, 'end of input', e); }
    }
    for (const w of [...this.p.store.openTimewindows()]) this.closeWindow(w);
    for (const p of this.p.store.profiles()) this.writeProfile(p);
    for (const d of this.detectors) {
      try { d.detector.onFinished?.(); } catch (e) { this.p.hooks.detectorError(d.module, 'end of run', e); }
    }
    const shed = this.profiler?.shed ?? 0;
    if (shed) this.p.hooks.announce(`DoS protection: ${shed} profile windows were shed in all (parameters.max_profiles_per_timewindow).`);
  }

  stats(): PipelineStats {
    return { flows: this.flows, filtered: this.filtered, profiles: this.p.store.profileCount,
      evidence: this.p.handler.evidenceCount, alerts: this.p.handler.alertCount, closedTimewindows: this.closed,
      shedProfiles: this.profiler?.shed ?? 0 };
  }
}

/** Module names match ignoring case, "_", "-" and spaces, as the original's `modules.disable`. */
export const normaliseModuleName = (s: string): string => s.toLowerCase().replace(/[_\-\s]/g, '');
