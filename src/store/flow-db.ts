// databases/flows.sqlite: every flow with its label, the alerts, and the profile / time-window /
// evidence tables a UI reads. Writes are queued and committed in batches inside transactions.
import Database from 'better-sqlite3';
import type { Flow } from '../flows/types.js';
import type { Alert, Evidence } from '../evidence/types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS flows    (uid TEXT PRIMARY KEY, flow TEXT, label TEXT, profileid TEXT, twid TEXT, aid TEXT);
CREATE TABLE IF NOT EXISTS altflows (uid TEXT, flow TEXT, label TEXT, profileid TEXT, twid TEXT, flow_type TEXT);
CREATE INDEX IF NOT EXISTS altflows_uid ON altflows(uid);
CREATE TABLE IF NOT EXISTS alerts   (alert_id TEXT PRIMARY KEY, alert_time TEXT, ip_alerted TEXT, timewindow TEXT, tw_start TEXT, tw_end TEXT, label TEXT);
CREATE TABLE IF NOT EXISTS evidence (id TEXT PRIMARY KEY, profileid TEXT, twid TEXT, evidence_type TEXT, threat_level TEXT,
  confidence REAL, timestamp REAL, attacker TEXT, victim TEXT, description TEXT, uids TEXT, alert_id TEXT, json TEXT);
CREATE INDEX IF NOT EXISTS evidence_profile_tw ON evidence(profileid, twid);
CREATE TABLE IF NOT EXISTS profiles (profileid TEXT PRIMARY KEY, ip TEXT, first_seen REAL, last_seen REAL, flows INTEGER,
  threat_level TEXT, max_threat_level TEXT, confidence REAL, mac TEXT, info TEXT);
CREATE TABLE IF NOT EXISTS timewindows (profileid TEXT, twid TEXT, number INTEGER, start REAL, end REAL, flows INTEGER,
  evidence INTEGER, alerts INTEGER, accumulated_threat_level REAL, PRIMARY KEY (profileid, twid));
CREATE TABLE IF NOT EXISTS analysis (key TEXT PRIMARY KEY, value TEXT);
`;

type Op = () => void;

export interface ProfileRow {
  ip: string; firstSeen: number; lastSeen: number; flows: number; threatLevel: string; maxThreatLevel: string;
  confidence: number; mac: string; info: Record<string, unknown>;
}
export interface TimewindowRow {
  ip: string; number: number; start: number; end: number; flows: number; evidence: number; alerts: number; accumulated: number;
}

export class FlowDatabase {
  private readonly db: Database.Database;
  private queue: Op[] = [];
  private readonly insFlow: Database.Statement;
  private readonly insAlt: Database.Statement;
  private readonly insAlert: Database.Statement;
  private readonly insEvidence: Database.Statement;
  private readonly setEvidenceAlert: Database.Statement;
  private readonly labelFlows: Database.Statement;
  private readonly labelAlt: Database.Statement;
  private readonly upProfile: Database.Statement;
  private readonly upTw: Database.Statement;
  private readonly commit: (ops: Op[]) => void;

  constructor(readonly path: string, private readonly batchSize = 20_000) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // The file is created fresh for each run; losing it on a power cut is acceptable, a slow run is not.
    this.db.pragma('synchronous = OFF');
    this.db.exec(SCHEMA);
    this.insFlow = this.db.prepare('INSERT OR REPLACE INTO flows VALUES (?, ?, ?, ?, ?, ?)');
    this.insAlt = this.db.prepare('INSERT INTO altflows VALUES (?, ?, ?, ?, ?, ?)');
    this.insAlert = this.db.prepare('INSERT OR REPLACE INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.insEvidence = this.db.prepare('INSERT OR REPLACE INTO evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.setEvidenceAlert = this.db.prepare('UPDATE evidence SET alert_id = ? WHERE id = ?');
    this.labelFlows = this.db.prepare("UPDATE flows SET label = 'malicious' WHERE uid = ?");
    this.labelAlt = this.db.prepare("UPDATE altflows SET label = 'malicious' WHERE uid = ?");
    this.upProfile = this.db.prepare('INSERT OR REPLACE INTO profiles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.upTw = this.db.prepare('INSERT OR REPLACE INTO timewindows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.commit = this.db.transaction((ops: Op[]) => { for (const op of ops) op(); });
  }

  private push(op: Op): void {
    this.queue.push(op);
    if (this.queue.length >= this.batchSize) this.flush();
  }

  flush(): void {
    if (!this.queue.length) return;
    const ops = this.queue;
    this.queue = [];
    this.commit(ops);
  }

  addFlow(flow: Flow, profileid: string, twid: string, label: string, aid: string): void {
    const json = JSON.stringify(flow);
    this.push(() => this.insFlow.run(flow.uid, json, label, profileid, twid, aid));
  }

  addAltflow(flow: Flow, profileid: string, twid: string, label: string): void {
    const json = JSON.stringify(flow);
    this.push(() => this.insAlt.run(flow.uid, json, label, profileid, twid, flow.type_));
  }

  addEvidence(ev: Evidence): void {
    const json = JSON.stringify(ev);
    this.push(() => this.insEvidence.run(ev.id, `profile_${ev.profile}`, `timewindow${ev.timewindow}`, ev.evidence_type,
      ev.threat_level, ev.confidence, ev.timestamp, ev.attacker.value, ev.victim?.value ?? null, ev.description,
      JSON.stringify(ev.uid), null, json));
  }

  addAlert(alert: Alert, uids: Iterable<string>): void {
    const uidList = [...uids];
    this.push(() => {
      this.insAlert.run(alert.id, String(alert.alert_time), alert.profile, `timewindow${alert.timewindow}`,
        String(alert.tw_start), String(alert.tw_end), 'malicious');
      for (const id of alert.correl_id) this.setEvidenceAlert.run(alert.id, id);
      for (const uid of uidList) { this.labelFlows.run(uid); this.labelAlt.run(uid); }
    });
  }

  upsertProfile(p: ProfileRow): void {
    this.push(() => this.upProfile.run(`profile_${p.ip}`, p.ip, p.firstSeen, p.lastSeen, p.flows, p.threatLevel,
      p.maxThreatLevel, p.confidence, p.mac, JSON.stringify(p.info)));
  }

  upsertTimewindow(t: TimewindowRow): void {
    this.push(() => this.upTw.run(`profile_${t.ip}`, `timewindow${t.number}`, t.number, t.start, t.end, t.flows,
      t.evidence, t.alerts, t.accumulated));
  }

  setAnalysis(key: string, value: string): void {
    this.push(() => this.db.prepare('INSERT OR REPLACE INTO analysis VALUES (?, ?)').run(key, value));
  }

  /** Rows of flows and altflows with a common column list, for the labelled-flow export. */
  *labelledFlows(): Generator<{ uid: string; flow: string; label: string; profileid: string; twid: string; flow_type: string }> {
    this.flush();
    yield* this.db.prepare(`SELECT uid, flow, label, profileid, twid, 'conn' AS flow_type FROM flows
      UNION ALL SELECT uid, flow, label, profileid, twid, flow_type FROM altflows`).iterate() as Iterable<never>;
  }

  count(table: 'flows' | 'altflows' | 'alerts' | 'evidence'): number {
    this.flush();
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  }

  close(): void {
    this.flush();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
  }
}
