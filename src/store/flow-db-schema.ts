// Tables of databases/flows.sqlite and the row messages its writer thread understands.

export const SCHEMA = `
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

export const enum Op { Flow = 1, Altflow, Evidence, Alert, Profile, Timewindow, Analysis }

/**
 * Number of values that follow each op code in a batch. Batches are flat arrays
 * (op, values..., op, values...): cheaper to copy between threads than an array per row.
 */
export const OP_ARITY: Record<Op, number> = {
  [Op.Flow]: 6, [Op.Altflow]: 6, [Op.Evidence]: 13, [Op.Alert]: 3, [Op.Profile]: 10, [Op.Timewindow]: 9, [Op.Analysis]: 2,
};
