// The profiler: turns a flow into its profile, time window and FlowContext, and learns what the
// flow says about the network (local network, gateway, DNS/DHCP servers, MACs, DNS answers,
// connections by uid). Called by the pipeline for every flow, and by tests that feed detectors.
import type { Flow } from '../flows/types.js';
import { interpretState, isConnLike } from '../flows/types.js';
import type { Settings } from '../config/config.js';
import type { ProfileState, ProfileStore, TimewindowState } from '../store/store.js';
import type { FlowContext } from '../detect/detector.js';
import type { NetworkKnowledge } from './network.js';
import type { DnsResolutions } from './dns-cache.js';
import type { ConnectionIndex } from './connections.js';
import type { TimeWindowGrid } from './timewindows.js';

/** A flow as profiled: its context for detectors, and the profile and window it was filed under. */
export interface Profiled { fc: FlowContext; profile: ProfileState; window: TimewindowState }

/** Share of the per-window profile limit shed at once, so that shedding is rare and cheap per flow. */
const SHED_FRACTION = 0.1;

export interface ProfilerParts {
  settings: Settings;
  grid: TimeWindowGrid;
  store: ProfileStore;
  network: NetworkKnowledge;
  dns: DnsResolutions;
  connections: ConnectionIndex;
}

export class Profiler {
  private readonly s: Settings;
  /** Windows shed by the DoS protection so far. */
  shed = 0;

  /**
   * @param closeEarly closes a window before its time (the DoS protection sheds it); the pipeline
   *   runs the detectors' window-closing work for it.
   */
  constructor(private readonly parts: ProfilerParts, private readonly closeEarly: (w: TimewindowState) => void,
    private readonly announce: (text: string) => void) {
    this.s = parts.settings;
  }

  profile(flow: Flow): Profiled {
    const { grid, store, network: net } = this.parts;
    const t = flow.type_;
    const ts = flow.starttime;
    net.observeSource(flow.saddr);
    if (isConnLike(flow)) net.observeMacs(flow.saddr, flow.daddr, flow.smac, flow.dmac);
    else if (t === 'dhcp') { net.associate(flow.smac, flow.saddr); net.observeDhcpServer(flow.server_addr); }
    else if (t === 'arp') { net.associate(flow.smac, flow.saddr); }
    else if (t === 'dns' && flow.dport === 53) net.observeDnsServer(flow.daddr);
    else if (t === 'notice' && flow.note.includes('Gateway_addr_identified')) {
      const i = flow.msg.lastIndexOf(': ');
      if (i >= 0) net.setGatewayIp(flow.msg.slice(i + 2).trim());
    }

    const tw = grid.numberFor(ts);
    const [profile] = store.ensureProfile(flow.saddr, ts);
    profile.flows++;
    if (ts > profile.lastSeen) profile.lastSeen = ts;
    if (t === 'dhcp' && flow.host_name && !profile.hostname) profile.hostname = flow.host_name;
    if ((isConnLike(flow) || t === 'dhcp' || t === 'arp') && flow.smac && !profile.mac) profile.mac = flow.smac;
    const window = this.touchWindow(profile.ip, tw, ts);
    window.flows++;
    if (this.s.analysisDirection === 'all' && t !== 'software' && flow.daddr) {
      const [rev] = store.ensureProfile(flow.daddr, ts);
      if (ts > rev.lastSeen) rev.lastSeen = ts;
      this.touchWindow(rev.ip, tw, ts);
    }
    let state = '';
    if (isConnLike(flow)) {
      state = interpretState(flow.state, flow.pkts);
      this.parts.connections.observe(flow);
    } else if (t === 'dns') this.parts.dns.observe(flow, tw);
    // The profile's own address string, so that detectors can store it without copying it again.
    return { fc: { ip: profile.ip, tw, twStart: window.start, interpretedState: state }, profile, window };
  }

  private touchWindow(ip: string, n: number, ts: number): TimewindowState {
    const { store, grid } = this.parts;
    let w = store.timewindow(ip, n);
    if (!w) {
      w = store.ensureTimewindow(ip, n, grid.startOf(n), grid.endOf(n));
      if (store.openTimewindowCountOf(n) > this.s.maxProfilesPerWindow) this.shedLeastActive(n, ts, w);
    }
    if (ts > w.lastModified) w.lastModified = ts;
    return w;
  }

  /**
   * DoS protection: a window with more live profiles than allowed (a flood of spoofed sources)
   * sheds the least active ones, those with the fewest flows and no evidence, oldest first: their
   * window is closed early (detectors release its state), and a profile nothing was learnt about is
   * then written and forgotten.
   */
  private shedLeastActive(n: number, ts: number, keep: TimewindowState): void {
    const max = this.s.maxProfilesPerWindow;
    const want = Math.max(1, Math.floor(max * SHED_FRACTION));
    // Fewest flows first: find the flow count up to which enough candidates exist.
    const byFlows: number[] = [];
    for (const w of this.parts.store.openTimewindows()) {
      if (w.number !== n || w.evidenceCount > 0 || w === keep) continue;
      const f = Math.min(w.flows, 64);
      byFlows[f] = (byFlows[f] ?? 0) + 1;
    }
    let limit = 0;
    for (let acc = 0; limit < byFlows.length && acc < want; limit++) acc += byFlows[limit] ?? 0;
    const victims: TimewindowState[] = [];
    for (const w of this.parts.store.openTimewindows()) {
      if (victims.length >= want) break;
      if (w.number === n && w.evidenceCount === 0 && w !== keep && Math.min(w.flows, 64) < limit) victims.push(w);
    }
    for (const w of victims) this.closeEarly(w);
    const first = this.shed === 0;
    this.shed += victims.length;
    if (first || ts - this.lastShedReport >= 60) {
      this.lastShedReport = ts;
      this.announce(`DoS protection: timewindow${n} has more than ${max} live profiles; ` +
        `shed ${victims.length} of the least active (${this.shed} so far, parameters.max_profiles_per_timewindow).`);
    }
  }

  private lastShedReport = -Infinity;
}
