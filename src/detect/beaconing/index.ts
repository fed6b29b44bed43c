// BEACONING: a source contacting one destination (IP, or a domain/SNI served from several IPs) on a
// clock, scored per time window from interval regularity, size regularity and persistence
// (see score.ts). Evaluated when the source's window closes, so every decision uses the whole window.
import type { ConnFlow, Flow } from '../../flows/types.js';
import { isConnLike } from '../../flows/types.js';
import type { DetectionContext, Detector, FlowContext } from '../detector.js';
import type { Entity } from '../../evidence/types.js';
import { dstDomain, dstIp, srcIp } from '../entities.js';
import { round2 } from '../../util/py-format.js';
import { ipFacts } from '../../util/ip.js';
import { Budget } from '../network_discovery/budget.js';
import { ownString } from '../../util/own-string.js';
import { scoreBeacon, type BeaconScore } from './score.js';
import { WindowMap } from '../../util/window-map.js';
import { SmallMap } from '../../util/small-map.js';
import { BoundedMap } from '../../util/bounded-map.js';

export interface BeaconSettings {
  minConnections: number;
  scoreThreshold: number;
  includeFailed: boolean;
  includePrivate: boolean;
}

export function beaconSettings(ctx: DetectionContext): BeaconSettings {
  const raw = ctx.settings.raw.beaconing;
  const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
  return {
    minConnections: Math.max(3, Math.trunc(num(raw.min_connections, 8))),
    scoreThreshold: num(raw.score_threshold, 0.8),
    includeFailed: raw.include_failed_connections === true,
    includePrivate: raw.include_private_destinations === true,
  };
}

/** Points (connections) stored across all open windows; beyond it series stop growing. */
const DEFAULT_POINT_BUDGET = 2_000_000;
/** Connections kept per series: a 1 s beacon over an hour, and then some. */
const MAX_POINTS_PER_SERIES = 8192;
/** A pair with one connection costs about as much memory as 16 stored points. */
const PAIR_UNITS = 16;
const MAX_UIDS = 50;
const MAX_NAMES = 200_000;

/** Connections of one source to one destination. The first is kept inline: most pairs have one. */
class Series {
  private t0 = 0;
  private s0 = 0;
  private times: Float64Array<ArrayBuffer> | null = null;
  private sizes: Float64Array<ArrayBuffer> | null = null;
  n = 0;
  private uid0 = '';
  private more: string[] | null = null;
  last = -Infinity;
  readonly dport: number;
  readonly proto: string;
  mixedPorts = false;
  constructor(f: ConnFlow) { this.dport = f.dport; this.proto = f.proto === 'tcp' ? 'tcp' : 'udp'; }

  push(ts: number, size: number, uid: string): void {
    if (this.n === 0) { this.t0 = ts; this.s0 = size; }
    else {
      if (!this.times || this.n === this.times.length) {
        const cap = this.times ? this.times.length * 2 : 8;
        const t = new Float64Array(cap), z = new Float64Array(cap);
        if (this.times) { t.set(this.times); z.set(this.sizes!); } else { t[0] = this.t0; z[0] = this.s0; }
        this.times = t; this.sizes = z;
      }
      this.times[this.n] = ts;
      this.sizes![this.n] = size;
    }
    this.n++;
    if (ts > this.last) this.last = ts;
    if (!uid) return;
    if (!this.uid0) this.uid0 = ownString(uid);
    else if ((this.more?.length ?? 0) < MAX_UIDS - 1) (this.more ??= []).push(ownString(uid));
  }

  get uids(): string[] { return this.uid0 ? [this.uid0, ...(this.more ?? [])] : []; }

  /** Times and sizes as arrays (at least two points, or empty). */
  points(): { times: Float64Array; sizes: Float64Array } {
    if (!this.times) return { times: new Float64Array(this.n ? [this.t0] : []), sizes: new Float64Array(this.n ? [this.s0] : []) };
    return { times: this.times.subarray(0, this.n), sizes: this.sizes!.subarray(0, this.n) };
  }
}

interface SourceWindow {
  pairs: SmallMap<string, Series>;
  first: number;
  last: number;
  units: number;
}

export class BeaconDetector implements Detector {
  readonly settings: BeaconSettings;
  private readonly windows = new WindowMap<SourceWindow>();
  /** Destination IP -> server name learned from TLS SNI or the HTTP Host header. */
  private readonly names = new BoundedMap<string, string>(MAX_NAMES);

  constructor(private readonly ctx: DetectionContext, readonly budget = new Budget(DEFAULT_POINT_BUDGET)) {
    this.settings = beaconSettings(ctx);
  }

  onFlow(flow: Flow, fc: FlowContext): void {
    if (isConnLike(flow)) { this.conn(flow, fc); return; }
    if (flow.type_ === 'ssl' && flow.server_name) this.learnName(flow.daddr, flow.server_name);
    else if (flow.type_ === 'http' && flow.host && !this.ctx.addresses.of(flow.host).valid) this.learnName(flow.daddr, flow.host.split(':')[0]!);
  }

  private learnName(ip: string, name: string): void {
    const lower = name.toLowerCase();
    if (this.names.get(ip) === lower) return;
    this.names.set(ownString(ip), ownString(lower));
  }

  private conn(f: ConnFlow, fc: FlowContext): void {
    let w = this.windows.get(fc.ip, fc.tw);
    if (!w) { w = { pairs: new SmallMap(), first: f.starttime, last: f.starttime, units: 0 }; this.windows.set(fc.ip, fc.tw, w); }
    if (f.starttime < w.first) w.first = f.starttime;
    if (f.starttime > w.last) w.last = f.starttime;
    if (f.proto !== 'tcp' && f.proto !== 'udp') return;
    // Rejected and unanswered attempts say nothing about a working channel (RITA's issue 29).
    if (!this.settings.includeFailed && fc.interpretedState !== 'Established') return;
    const d = this.ctx.addresses.of(f.daddr);
    if (!d.valid || d.multicast || d.linkLocal || d.loopback || d.reserved || d.unspecified) return;
    if (!this.settings.includePrivate && d.private) return;
    let s = w.pairs.get(f.daddr);
    if (!s) {
      if (!this.budget.take(PAIR_UNITS)) return;
      w.units += PAIR_UNITS;
      s = new Series(f);
      w.pairs.set(ownString(f.daddr), s);
    } else if (s.dport !== f.dport || s.proto !== f.proto) s.mixedPorts = true;
    if (s.n >= MAX_POINTS_PER_SERIES || !this.budget.take()) return;
    w.units++;
    s.push(f.starttime, f.sbytes > 0 ? f.sbytes : f.bytes, f.uid);
  }

  private nameOf(ip: string): string | undefined {
    return this.names.get(ip) ?? this.ctx.dns.ofIp(ip)?.domains[0];
  }

  onTimewindowClosed(ip: string, tw: number): void {
    const w = this.windows.take(ip, tw);
    if (!w) return;
    this.budget.give(w.units);
    this.evaluate(ip, tw, w);
  }

  private evaluate(ip: string, tw: number, w: SourceWindow): void {
    const { minConnections, scoreThreshold } = this.settings;
    const activeSpan = w.last - w.first;
    const candidates = [...w.pairs].filter(([, s]) => s.n >= 2);
    // Destinations that share a server name are scored together too: a C2 behind a CDN rotates IPs.
    const byName = new Map<string, [string, Series][]>();
    for (const c of candidates) {
      const name = this.nameOf(c[0]);
      if (!name) continue;
      const group = byName.get(name);
      if (group) group.push(c); else byName.set(name, [c]);
    }
    const covered = new Set<string>();
    for (const [name, group] of byName) {
      if (group.length < 2) continue;
      const times: number[] = [], sizes: number[] = [];
      for (const [, s] of group) {
        const p = s.points();
        for (let i = 0; i < p.times.length; i++) { times.push(p.times[i]!); sizes.push(p.sizes[i]!); }
      }
      const score = scoreBeacon(times, sizes, activeSpan, minConnections);
      if (!score || score.score < scoreThreshold) continue;
      for (const [addr] of group) covered.add(addr);
      const ips = group.map(([a]) => a);
      const series = group.map(([, s]) => s);
      this.report(ip, tw, dstDomain(name), `${name} (${ips.length} IPs: ${ips.slice(0, 5).join(', ')}${ips.length > 5 ? ', ...' : ''})`,
        series, score);
    }
    for (const [addr, s] of candidates) {
      if (covered.has(addr) || s.n < minConnections) continue;
      const p = s.points();
      const score = scoreBeacon(p.times, p.sizes, activeSpan, minConnections);
      if (!score || score.score < scoreThreshold) continue;
      const name = this.nameOf(addr);
      this.report(ip, tw, dstIp(addr), name ? `${addr} (${name})` : addr, [s], score);
    }
  }

  private report(ip: string, tw: number, victim: Entity, target: string, series: Series[], sc: BeaconScore): void {
    const first = series[0]!;
    const samePort = series.every((s) => !s.mixedPorts && s.dport === first.dport && s.proto === first.proto);
    const port = samePort ? ` port ${first.dport}/${first.proto}` : '';
    const last = Math.max(...series.map((s) => s.last));
    const uids = series.flatMap((s) => s.uids).slice(0, MAX_UIDS);
    const f2 = (x: number): string => x.toFixed(2);
    const period = sc.medianInterval < 100 ? sc.medianInterval.toFixed(1) : String(Math.round(sc.medianInterval));
    this.ctx.emit({
      evidence_type: 'BEACONING',
      description: `Beaconing from ${ip} to ${target}${port}: ${sc.connections} connections, a check-in every ${period} s `
        + `(median) over ${Math.round(sc.span)} s. Score: ${f2(sc.score)} (timing ${f2(sc.timingRegularity)}: interval skew `
        + `${f2(sc.intervalSkew)}, interval dispersion ${f2(sc.intervalDispersion)}, continuity ${f2(sc.continuity)}; `
        + `size regularity ${f2(sc.sizeRegularity)}; persistence ${f2(sc.persistence)}). by Slips`,
      attacker: srcIp(ip), victim,
      threat_level: 'medium', confidence: round2(sc.score), method: 'Statistical',
      uid: uids, timestamp: last, timewindow: tw,
      proto: samePort ? first.proto : null, dst_port: samePort ? first.dport : null,
    });
  }
}
