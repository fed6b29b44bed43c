// The flows.sqlite writer, on its own thread so that SQLite's work overlaps with the analysis.
// It receives batches of rows from FlowDatabase (flow-db.ts) and commits each batch in one transaction.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SCHEMA, Op, OP_ARITY } from './flow-db-schema.js';

const { path, pending } = workerData as { path: string; pending: SharedArrayBuffer };
const counter = new Int32Array(pending);
const db = new Database(path);
db.pragma('journal_mode = WAL');
// The file is created fresh for each run; losing it on a power cut is acceptable, a slow run is not.
db.pragma('synchronous = OFF');
db.exec(SCHEMA);

const st = {
  flow: db.prepare('INSERT OR REPLACE INTO flows VALUES (?, ?, ?, ?, ?, ?)'),
  alt: db.prepare('INSERT INTO altflows VALUES (?, ?, ?, ?, ?, ?)'),
  alert: db.prepare('INSERT OR REPLACE INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?)'),
  evidence: db.prepare('INSERT OR REPLACE INTO evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
  evidenceAlert: db.prepare('UPDATE evidence SET alert_id = ? WHERE id = ?'),
  labelFlow: db.prepare("UPDATE flows SET label = 'malicious' WHERE uid = ?"),
  labelAlt: db.prepare("UPDATE altflows SET label = 'malicious' WHERE uid = ?"),
  // A profile forgotten while idle (nothing learnt about it) and seen again later is written again:
  // the rows merge (flows add up, first/last seen widen); what is known now replaces the rest.
  profile: db.prepare(`INSERT INTO profiles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(profileid) DO UPDATE SET
    first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),
    flows = flows + excluded.flows, threat_level = excluded.threat_level,
    max_threat_level = CASE WHEN max_threat_level = 'info' THEN excluded.max_threat_level ELSE max_threat_level END,
    confidence = excluded.confidence, mac = excluded.mac, info = excluded.info`),
  tw: db.prepare('INSERT OR REPLACE INTO timewindows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
  analysis: db.prepare('INSERT OR REPLACE INTO analysis VALUES (?, ?)'),
};

const apply = db.transaction((batch: unknown[]) => {
  for (let i = 0; i < batch.length;) {
    const op = batch[i] as Op;
    const n = OP_ARITY[op];
    const v = batch.slice(i + 1, i + 1 + n);
    i += 1 + n;
    switch (op) {
      case Op.Flow: st.flow.run(...v); break;
      case Op.Altflow: st.alt.run(...v); break;
      case Op.Evidence: st.evidence.run(...v); break;
      case Op.Alert: {
        const [alertRow, evidenceIds, uids] = v as [unknown[], string[], string[]];
        st.alert.run(...alertRow);
        for (const id of evidenceIds) st.evidenceAlert.run(alertRow[0], id);
        for (const uid of uids) { st.labelFlow.run(uid); st.labelAlt.run(uid); }
        break;
      }
      case Op.Profile: st.profile.run(...v); break;
      case Op.Timewindow: st.tw.run(...v); break;
      case Op.Analysis: st.analysis.run(...v); break;
      default: throw new Error(`unknown row type ${String(op)} in a database batch`);
    }
  }
});

parentPort!.on('message', (msg: { rows?: unknown[]; close?: boolean }) => {
  try {
    if (msg.rows) apply(msg.rows);
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).message });
  } finally {
    if (msg.rows) { Atomics.sub(counter, 0, 1); Atomics.notify(counter, 0); }
  }
  if (msg.close) {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    parentPort!.postMessage({ closed: true });
  }
});
