// The analysis pipeline after the readers: profile and time window per flow, flow store,
// detectors, evidence handler, and time-window closing driven by traffic time.
import type { Flow } from '../flows/types.js';
import { interpretState, isConnLike } from '../flows/types.js';
import type { Settings } from '../config/config.js';
import type { Evidence, EvidenceInput } from '../evidence/types.js';
import { normaliseProto, THREAT_VALUE, type ThreatLevel } from '../evidence/types.js';
import { EvidenceHandler, type EvidenceOutputs } from '../evidence/handler.js';
import type { IdGenerator } from '../evidence/ids.js';
import type { ProfileState, ProfileStore, TimewindowState } from '../store/store.js';
import type { FlowDatabase } from '../store/flow-db.js';
import type { DetectionContext, Detector, DetectorFactory, FlowContext, FlowFilter } from '../detect/detector.js';
import { DnsResolutions } from './dns-cache.js';
import { TrafficFacts } from '../enrich/traffic-facts.js';
import { NetworkKnowledge } from './network.js';
import { TimeWindowGrid } from './timewindows.js';
import { PortRegistry } from '../enrich/ports.js';
import { aidHash } from '../util/aid.js';

export interface EngineHooks {
  /** One-time facts about the network, printed and logged. */
  announce(text: string): void;
  /** A detector threw; that step is skipped for that detector and the run goes on. */
  detectorError(module: string, where: string, err: unknown): void;
  /** Traffic time advanced (the newest flow time so far); for sinks with timers (e.g. unblocking). */
  trafficTime?(ts: number): void;
}

export interface EngineStats {
  flows: number;
  /** Flows dropped by a flow filter (whitelist). */
  filtered: number;
  profiles: number;
  evidence: number;
  alerts: number;
  closedTimewindows: number;
  /** Profile windows shed by the DoS protection (parameters.max_profiles_per_timewindow). */
  shedProfiles: number;
}

/** Nothing known about the profile beyond its counts: no evidence, MAC, host name or facts. */
const isTrivial = (p: ProfileState): boolean => p.maxThreatLevel === 'info' && !p.mac && !p.hostname && isEmpty(p.info);
function isEmpty(o: object): boolean { for (const _ in o) return false; return true; }

/** Share of the per-window profile limit shed at once, so that shedding is rare and cheap per flow. */
const SHED_FRACTION = 0.1;

const dedupe = (xs: string[]): string[] => (xs.length < 2 ? xs : [...new Set(xs)]);

export class Engine {
  readonly grid: TimeWindowGrid;
  readonly network: NetworkKnowledge;
  readonly handler: EvidenceHandler;
  readonly dns = new DnsResolutions();
  readonly facts = new TrafficFacts();
  /** Flow whitelist and similar: consulted before a flow is profiled. */
  readonly flowFilters: FlowFilter[] = [];
  private readonly detectors: Detector[] = [];
  private readonly scanners = new Set<string>();
  /** The detector being run, so that evidence can be attributed to its module. */
  private currentModule = '';
  private maxTs = -Infinity;
  private nextCloseCheck = Infinity;
  private flows = 0;
  private filtered = 0;
  private closed = 0;
  private shed = 0;
  private lastShedReport = -Infinity;

  constructor(readonly settings: Settings, readonly store: ProfileStore, private readonly db: FlowDatabase,
    outputs: EvidenceOutputs, ids: IdGenerator, factories: DetectorFactory[], private readonly hooks: EngineHooks,
    now: () => number, readonly ports = new PortRegistry()) {
    this.grid = new TimeWindowGrid(settings.width, settings.onlyOneTw);
    this.network = new NetworkKnowledge(settings.clientIps, { announce: (t) => hooks.announce(t) });
    this.handler = new EvidenceHandler({ alertThreshold: settings.alertThreshold,
      disabledDetections: settings.disabledDetections, now }, store, this.grid, outputs, ids);
    const ctx: DetectionContext = {
      settings, network: this.network, ports: this.ports, store, dns: this.dns, facts: this.facts,
      emit: (input) => this.emit(input, ids),
      timewindowOf: (ts) => this.grid.numberFor(ts),
      markScanner: (ip, tw) => { this.scanners.add(`${ip}|${tw}`); },
      isScanner: (ip, tw) => this.scanners.has(`${ip}|${tw}`),
    };
    const disabled = settings.disabledModules.map(normaliseModuleName);
    for (const make of factories) {
      const d = make(ctx);
      const name = normaliseModuleName(d.module);
      if (!disabled.some((x) => x && name.includes(x))) this.detectors.push(d);
    }
  }

  get activeModules(): string[] { return [...new Set(this.detectors.map((d) => d.module))]; }

  /**
   * The labels modules gave a profile (profile field `modules_labels`): for each module, the highest
   * threat level of the evidence it filed with the profile as attacker.
   */
  private labelProfile(ev: Evidence, module: string): void {
    if (ev.attacker.direction !== 'SRC') return;
    const p = this.store.profile(ev.profile);
    if (!p) return;
    const labels = (p.info.modules_labels ??= {}) as Record<string, ThreatLevel>;
    const old = labels[module];
    if (!old || THREAT_VALUE[ev.threat_level] > THREAT_VALUE[old]) labels[module] = ev.threat_level;
  }

  private emit(input: EvidenceInput, ids: IdGenerator): string {
    const profile = input.profile
      ?? (input.attacker.direction === 'SRC' || !input.victim ? input.attacker.value : input.victim.value);
    const ev: Evidence = {
      id: ids.next(),
      evidence_type: input.evidence_type,
      description: input.description,
      attacker: input.attacker,
      victim: input.victim ?? null,
      threat_level: input.threat_level,
      confidence: input.confidence,
      profile,
      timewindow: input.timewindow ?? this.grid.numberFor(input.timestamp),
      uid: dedupe(input.uid),
      timestamp: input.timestamp,
      interface: input.interface ?? 'default',
      proto: normaliseProto(input.proto),
      src_port: input.src_port ?? null,
      dst_port: input.dst_port ?? null,
      method: input.method ?? 'Heuristic',
      rel_id: input.rel_id ?? null,
    };
    if (this.handler.handle(ev) && this.currentModule) this.labelProfile(ev, this.currentModule);
    return ev.id;
  }

  /** Profiles one flow and runs every detector on it. Synchronous. */
  process(flow: Flow): void {
    // Readers hand over only flows with sane values and IP endpoints (input/flow-gate.ts).
    const t = flow.type_;
    // Names of servers are learnt even from flows the whitelist drops: they still name the address.
    if (t === 'ssl' || t === 'dns') this.facts.observe(flow);
    for (const f of this.flowFilters) if (f.dropFlow(flow)) { this.filtered++; return; }
    this.flows++;
    const ts = flow.starttime;
    const net = this.network;
    net.observeSource(flow.saddr);
    if (isConnLike(flow)) net.observeMacs(flow.saddr, flow.daddr, flow.smac, flow.dmac);
    else if (t === 'dhcp') { net.associate(flow.smac, flow.saddr); net.observeDhcpServer(flow.server_addr); }
    else if (t === 'arp') { net.associate(flow.smac, flow.saddr); }
    else if (t === 'dns' && flow.dport === 53) net.observeDnsServer(flow.daddr);
    else if (t === 'notice' && flow.note.includes('Gateway_addr_identified')) {
      const i = flow.msg.lastIndexOf(': ');
      if (i >= 0) net.setGatewayIp(flow.msg.slice(i + 2).trim());
    }

    const tw = this.grid.numberFor(ts);
    const [profile] = this.store.ensureProfile(flow.saddr, ts);
    profile.flows++;
    if (ts > profile.lastSeen) profile.lastSeen = ts;
    if (t === 'dhcp' && flow.host_name && !profile.hostname) profile.hostname = flow.host_name;
    if ((isConnLike(flow) || t === 'dhcp' || t === 'arp') && flow.smac && !profile.mac) profile.mac = flow.smac;
    const window = this.touchWindow(profile.ip, tw, ts);
    window.flows++;
    if (this.settings.analysisDirection === 'all' && t !== 'software' && flow.daddr) {
      const [rev] = this.store.ensureProfile(flow.daddr, ts);
      if (ts > rev.lastSeen) rev.lastSeen = ts;
      this.touchWindow(flow.daddr, tw, ts);
    }

    const profileid = `profile_${flow.saddr}`, twid = `timewindow${tw}`;
    let state = '';
    if (isConnLike(flow)) {
      state = interpretState(flow.state, flow.pkts);
      this.db.addFlow(flow, profileid, twid, 'benign', aidHash(ts, flow.saddr, flow.daddr, flow.proto, flow.sport, flow.dport));
    } else this.db.addAltflow(flow, profileid, twid, 'benign');

    if (t === 'dns') this.dns.observe(flow, tw);
    // The profile's own address string, so that detectors can store it without copying it again.
    const fc: FlowContext = { ip: profile.ip, tw, twStart: window.start, interpretedState: state };
    for (const d of this.detectors) {
      this.currentModule = d.module;
      try { d.onFlow(flow, fc); } catch (e) { this.hooks.detectorError(d.module, `flow ${flow.uid}`, e); }
    }

    if (ts > this.maxTs) {
      this.maxTs = ts;
      this.hooks.trafficTime?.(ts);
      if (this.nextCloseCheck === Infinity) this.nextCloseCheck = ts + this.settings.width;
      if (ts >= this.nextCloseCheck) this.closeIdleWindows();
    }
  }

  private touchWindow(ip: string, n: number, ts: number): TimewindowState {
    let w = this.store.timewindow(ip, n);
    if (!w) {
      w = this.store.ensureTimewindow(ip, n, this.grid.startOf(n), this.grid.endOf(n));
      if (this.store.openTimewindowCountOf(n) > this.settings.maxProfilesPerWindow) this.shedLeastActive(n, ts, w);
    }
    if (ts > w.lastModified) w.lastModified = ts;
    return w;
  }

  /**
   * DoS protection: a window with more live profiles than allowed (a flood of spoofed sources)
   * sheds the least active ones, those with the fewest flows and no evidence, oldest first: their
   * window is closed early (detectors release its state), their profile row written and forgotten.
   */
  private shedLeastActive(n: number, ts: number, keep: TimewindowState): void {
    const want = Math.max(1, Math.floor(this.settings.maxProfilesPerWindow * SHED_FRACTION));
    // Fewest flows first: find the flow count up to which enough candidates exist.
    const byFlows: number[] = [];
    for (const w of this.store.openTimewindows()) {
      if (w.number !== n || w.evidenceCount > 0 || w === keep) continue;
      const f = Math.min(w.flows, 64);
      byFlows[f] = (byFlows[f] ?? 0) + 1;
    }
    let limit = 0;
    for (let acc = 0; limit < byFlows.length && acc < want; limit++) acc += byFlows[limit] ?? 0;
    const victims: TimewindowState[] = [];
    for (const w of this.store.openTimewindows()) {
      if (victims.length >= want) break;
      if (w.number === n && w.evidenceCount === 0 && w !== keep && Math.min(w.flows, 64) < limit) victims.push(w);
    }
    for (const w of victims) this.closeWindow(w);
    this.shed += victims.length;
    if (ts - this.lastShedReport >= 60) {
      this.lastShedReport = ts;
      this.hooks.announce(`DoS protection: timewindow${n} has more than ${this.settings.maxProfilesPerWindow} live profiles; ` +
        `shed ${victims.length} of the least active (${this.shed} so far, parameters.max_profiles_per_timewindow).`);
    }
  }

  private writeProfile(p: ProfileState): void {
    for (const d of this.detectors) {
      if (!d.describeProfile) continue;
      try { d.describeProfile(p); } catch (e) { this.hooks.detectorError(d.module, `describing profile_${p.ip}`, e); }
    }
    this.db.upsertProfile({ ip: p.ip, firstSeen: p.firstSeen, lastSeen: p.lastSeen, flows: p.flows,
      threatLevel: p.threatLevel, maxThreatLevel: p.maxThreatLevel, confidence: p.confidence, mac: p.mac,
      info: { ...p.info, hostname: p.hostname || undefined } });
  }

  /**
   * Closes windows that ended more than one width ago in traffic time. The extra width of grace
   * covers records that arrive late because Zeek logs a connection when it ends.
   */
  private closeIdleWindows(): void {
    const width = this.settings.width;
    const due: TimewindowState[] = [];
    for (const w of this.store.openTimewindows()) if (w.end + width <= this.maxTs) due.push(w);
    for (const w of due) this.closeWindow(w);
    this.nextCloseCheck = this.maxTs + width / 4;
  }

  private closeWindow(w: TimewindowState): void {
    for (const d of this.detectors) {
      this.currentModule = d.module;
      try { d.onTimewindowClosed?.(w.ip, w.number); } catch (e) { this.hooks.detectorError(d.module, `closing profile_${w.ip} timewindow${w.number}`, e); }
    }
    this.scanners.delete(`${w.ip}|${w.number}`);
    this.store.closeTimewindow(w.ip, w.number);
    // A profile nothing was learnt about (a scanned-from or spoofed address) costs nothing once its
    // windows closed: its row is written and it is forgotten (written again, merged, if it returns).
    const p = this.store.profile(w.ip);
    if (p && isTrivial(p) && this.store.dropProfile(w.ip)) this.writeProfile(p);
    this.db.upsertTimewindow({ ip: w.ip, number: w.number, start: w.start, end: w.end, flows: w.flows,
      evidence: w.evidenceCount, alerts: w.alerts, accumulated: w.accumulated });
    this.closed++;
  }

  /** End of input: detectors flush pending checks, every window closes, profiles are written. */
  finish(): void {
    for (const d of this.detectors) {
      this.currentModule = d.module;
      try { d.onEnd?.(); } catch (e) { this.hooks.detectorError(d.module, 'end of input', e); }
    }
    for (const w of [...this.store.openTimewindows()]) this.closeWindow(w);
    for (const p of this.store.profiles()) this.writeProfile(p);
    if (this.shed) this.hooks.announce(`DoS protection: ${this.shed} profile windows were shed in all (parameters.max_profiles_per_timewindow).`);
  }

  stats(): EngineStats {
    return { flows: this.flows, filtered: this.filtered, profiles: this.store.profileCount,
      evidence: this.handler.evidenceCount, alerts: this.handler.alertCount, closedTimewindows: this.closed,
      shedProfiles: this.shed };
  }
}

/** Module names match ignoring case, "_", "-" and spaces, as the original's `modules.disable`. */
export const normaliseModuleName = (s: string): string => s.toLowerCase().replace(/[_\-\s]/g, '');
