// The evidence handler: filters evidence, logs it, accumulates the weighted threat of each
// profile and time window, and raises an alert when the threshold is reached (spec §3.3-3.7).
import type { Alert, Evidence } from './types.js';
import { THREAT_VALUE, alertConfidence } from './types.js';
import type { ProfileStore } from '../store/store.js';
import type { IdGenerator } from './ids.js';
import type { TimeWindowGrid } from '../profiler/timewindows.js';

/** Decides whether evidence is suppressed (the whitelist); true = drop it. */
export interface EvidenceFilter { isWhitelisted(ev: Evidence): boolean }

/** Adds facts (AS, rDNS, SNI, TI, ...) to attacker and victim before the evidence is logged. */
export interface EvidenceEnricher { enrich(ev: Evidence): void }

/** Where processed evidence and alerts go (alerts.log, alerts.json, the database, the console). */
export interface EvidenceOutputs {
  evidence(ev: Evidence, accumulated: number, hostname: string): void;
  alert(alert: Alert, evidence: Evidence[], hostname: string): void;
}

export interface EvidenceHandlerOptions {
  alertThreshold: number;
  disabledDetections: Set<string>;
  /** Wall-clock source for alert_time (injected so tests are deterministic). */
  now: () => number;
}

export class EvidenceHandler {
  evidenceCount = 0;
  alertCount = 0;
  whitelistedCount = 0;

  /**
   * @param enrichers add facts to attacker and victim first (so that the whitelist sees them)
   * @param filters then decide whether the evidence is dropped (the whitelist)
   */
  constructor(private readonly opts: EvidenceHandlerOptions, private readonly store: ProfileStore,
    private readonly grid: TimeWindowGrid, private readonly outputs: EvidenceOutputs, private readonly ids: IdGenerator,
    private readonly enrichers: readonly EvidenceEnricher[] = [], private readonly filters: readonly EvidenceFilter[] = []) {}

  /** Processes one evidence; false when it was dropped (disabled type or whitelisted). */
  handle(ev: Evidence): boolean {
    if (this.opts.disabledDetections.has(ev.evidence_type)) return false;
    if (ev.confidence > 1) ev.confidence = 1;
    for (const e of this.enrichers) e.enrich(ev);
    for (const f of this.filters) if (f.isWhitelisted(ev)) { this.whitelistedCount++; return false; }
    this.evidenceCount++;
    const [profile] = this.store.ensureProfile(ev.profile, ev.timestamp);
    const tw = this.store.ensureTimewindow(ev.profile, ev.timewindow, this.grid.startOf(ev.timewindow), this.grid.endOf(ev.timewindow));
    tw.evidenceCount++;
    if (ev.timestamp > tw.lastModified) tw.lastModified = ev.timestamp;

    // Only what the profile itself did counts towards its alerts.
    const counts = ev.attacker.direction === 'SRC';
    if (counts) {
      tw.pending.push(ev);
      if (ev.threat_level !== 'info') tw.accumulated += THREAT_VALUE[ev.threat_level] * ev.confidence;
    }
    profile.threatLevel = ev.threat_level;
    profile.confidence = ev.confidence;
    if (THREAT_VALUE[ev.threat_level] > THREAT_VALUE[profile.maxThreatLevel]) profile.maxThreatLevel = ev.threat_level;
    this.outputs.evidence(ev, tw.accumulated, profile.hostname);

    if (counts && tw.accumulated >= this.opts.alertThreshold && tw.pending.length > 0) {
      const alert: Alert = {
        id: this.ids.next(), profile: ev.profile, timewindow: ev.timewindow, tw_start: tw.start, tw_end: tw.end,
        accumulated_threat_level: tw.accumulated, confidence: alertConfidence(tw.accumulated), threat_level: 'critical',
        correl_id: tw.pending.map((e) => e.id), last_evidence: ev, alert_time: this.opts.now(),
      };
      const members = tw.pending;
      tw.pending = [];
      tw.accumulated = 0;
      tw.alerts++;
      this.alertCount++;
      profile.threatLevel = 'critical';
      profile.maxThreatLevel = 'critical';
      profile.confidence = 1;
      this.outputs.alert(alert, members, profile.hostname);
    }
    return true;
  }
}
