// nfdump binary files, read through Debian's `nfdump` program (spec core §1.7.3): its CSV
// output is parsed by header name, so both the classic header (ts,te,td,sa,da,...) and the
// newer one (firstSeen,lastSeen,...,srcAddr,...) work. Times are printed in UTC (TZ=UTC for
// the child) and read as UTC: exact epochs whatever the analysing machine's zone.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { ConnFlow } from '../flows/types.js';
import { LineSource } from './lines.js';
import { LineFlowReader, FILE_REORDER_CAPACITY, type LineParser } from './line-reader.js';
import { parseWallClock, UTC } from './wallclock.js';
import { UidSequence } from './uid.js';
import type { FlowReader, InputErrorSink } from './reader.js';

type Field = 'start' | 'end' | 'dur' | 'saddr' | 'daddr' | 'sport' | 'dport' | 'proto' | 'flags' | 'spkts' | 'sbytes'
  | 'dpkts' | 'dbytes' | 'dir' | 'smac' | 'dmac';

/** Header names of the nfdump versions seen in the wild. */
const NAMES: Record<string, Field> = {
  ts: 'start', firstseen: 'start', tstart: 'start',
  te: 'end', lastseen: 'end', tend: 'end',
  td: 'dur', duration: 'dur',
  sa: 'saddr', srcaddr: 'saddr', srcip: 'saddr',
  da: 'daddr', dstaddr: 'daddr', dstip: 'daddr',
  sp: 'sport', srcport: 'sport',
  dp: 'dport', dstport: 'dport',
  pr: 'proto', proto: 'proto',
  flg: 'flags', flags: 'flags', tcpflags: 'flags',
  ipkt: 'spkts', packets: 'spkts', inpackets: 'spkts', pkt: 'spkts',
  ibyt: 'sbytes', bytes: 'sbytes', inbytes: 'sbytes', byt: 'sbytes',
  opkt: 'dpkts', outpackets: 'dpkts',
  obyt: 'dbytes', outbytes: 'dbytes',
  dir: 'dir',
  ismc: 'smac', idmc: 'dmac',
};

/** The original's fixed positions (nfdump 1.6/1.7 `-o csv`), used when no header was seen. */
const CLASSIC: Partial<Record<Field, number>> = {
  start: 0, end: 1, dur: 2, saddr: 3, daddr: 4, sport: 5, dport: 6, proto: 7, flags: 8,
  spkts: 11, sbytes: 12, dpkts: 13, dbytes: 14, dir: 22,
};

const PROTO_NAMES: Record<number, string> = { 1: 'icmp', 2: 'igmp', 6: 'tcp', 17: 'udp', 47: 'gre', 50: 'esp', 58: 'ipv6-icmp', 132: 'sctp' };

/** Start/end as nfdump prints them: "2018-01-12 15:37:47(.123)" in UTC, or epoch milliseconds (csv-fast). */
function nfTime(text: string | undefined): number {
  if (text === undefined) return NaN;
  const t = text.trim();
  if (/^\d{11,}$/.test(t)) return Number(t) / 1000;
  return parseWallClock(t, UTC);
}

function counter(text: string | undefined): number | null {
  if (text === undefined) return 0;
  let t = text.trim();
  if (t === '') return 0;
  // Without -N nfdump scales large numbers ("1.2 M"); accept that too.
  const m = /^([\d.]+)\s*([kKmMgG])?$/.exec(t);
  if (!m) return null;
  t = m[1]!;
  const scale = m[2] ? { k: 1e3, m: 1e6, g: 1e9 }[m[2].toLowerCase() as 'k' | 'm' | 'g'] : 1;
  const n = Number(t) * scale;
  return Number.isFinite(n) ? Math.round(n) : null;
}

export class NfdumpCsvParser implements LineParser {
  private cols: Partial<Record<Field, number>> | null;
  private ended = false;
  private readonly uids = new UidSequence('N');

  constructor(assumeClassic = false) { this.cols = assumeClassic ? { ...CLASSIC } : null; }

  parse(line: string): ConnFlow | string | null {
    if (this.ended) return null;
    const t = line.trim();
    if (t === '') return null;
    // The statistics block after the records ("Summary", "flows,bytes,...") ends the data.
    if (t === 'Summary' || t.startsWith('Summary:') || t.startsWith('Time window:') || t.startsWith('Total flows processed')) { this.ended = true; return null; }
    const tokens = line.split(',');
    const first = tokens[0]!.trim().toLowerCase();
    if (first === 'ts' || first === 'cnt' || first === 'firstseen' || tokens.some((x) => x.trim().toLowerCase() === 'sa' || x.trim().toLowerCase() === 'srcaddr')) {
      const cols: Partial<Record<Field, number>> = {};
      tokens.forEach((x, i) => { const f = NAMES[x.trim().toLowerCase()]; if (f && cols[f] === undefined) cols[f] = i; });
      if (cols.start === undefined || cols.saddr === undefined || cols.daddr === undefined) return `nfdump CSV header without start time and addresses: ${t.slice(0, 80)}`;
      this.cols = cols;
      return null;
    }
    if (!this.cols) this.cols = { ...CLASSIC };
    const c = this.cols;
    const get = (f: Field): string | undefined => { const i = c[f]; return i === undefined ? undefined : tokens[i]; };
    if (tokens.length <= Math.max(c.saddr!, c.daddr!, c.start!)) return `expected at least ${Math.max(c.saddr!, c.daddr!, c.start!) + 1} fields, found ${tokens.length}`;
    const start = nfTime(get('start'));
    if (!Number.isFinite(start)) return `invalid start time "${get('start')}"`;
    const endRaw = nfTime(get('end'));
    let dur = get('dur') !== undefined ? Number(get('dur')!.trim()) : NaN;
    if (!Number.isFinite(dur)) dur = Number.isFinite(endRaw) ? Math.max(0, endRaw - start) : 0;
    const sport = counter(get('sport')), dport = counter(get('dport'));
    if (sport === null || dport === null) return `invalid port "${sport === null ? get('sport') : get('dport')}"`;
    const spkts = counter(get('spkts')), sbytes = counter(get('sbytes')), dpkts = counter(get('dpkts')), dbytes = counter(get('dbytes'));
    if (spkts === null || sbytes === null || dpkts === null || dbytes === null) return 'invalid packet or byte counter';
    const protoText = (get('proto') ?? '').trim();
    const proto = /^\d+$/.test(protoText) ? (PROTO_NAMES[Number(protoText)] ?? protoText) : protoText.toLowerCase();
    const flags = (get('flags') ?? '').trim();
    const mac = (v: string | undefined): string => { const m = (v ?? '').trim(); return m === '00:00:00:00:00:00' ? '' : m; };
    return {
      type_: 'nfdump', starttime: start, uid: this.uids.next(),
      saddr: (get('saddr') ?? '').trim(), daddr: (get('daddr') ?? '').trim(), interface: 'default', flow_source: 'nfdump',
      ground_truth_label: '', detailed_ground_truth_label: '',
      sport, dport, proto, appproto: '', dur, sbytes, dbytes, spkts, dpkts, state: flags, history: '',
      smac: mac(get('smac')), dmac: mac(get('dmac')),
      endtime: Number.isFinite(endRaw) && endRaw >= start ? endRaw : start + dur,
      // Numbers, summed (the original concatenates the strings).
      pkts: spkts + dpkts, bytes: sbytes + dbytes, state_hist: flags, dir_: (get('dir') ?? '').trim() || '->',
    };
  }
}

/** `nfdump -V` output, or null when the program is missing. */
export function nfdumpVersion(): string | null {
  const r = spawnSync('nfdump', ['-V'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) return null;
  return (r.stdout || r.stderr).trim();
}

/** The arguments the original uses (-b bidirectional, -N plain numbers), with the header kept to tell the CSV variant. */
export const nfdumpArgs = (file: string): string[] => ['-b', '-N', '-o', 'csv', '-r', file];

export function nfdumpReader(path: string, errors: InputErrorSink, displayName = path): FlowReader {
  const version = nfdumpVersion();
  if (version === null) throw new Error('reading nfdump files needs the nfdump program (Debian package "nfdump"), which was not found');
  let child: ChildProcess | null = null;
  let stderr = '';
  let exited: Promise<number | null> = Promise.resolve(0);
  return new LineFlowReader({
    description: `nfdump file ${displayName} (${version})`,
    name: displayName,
    errors,
    parser: new NfdumpCsvParser(),
    reorder: FILE_REORDER_CAPACITY,
    open: (problem) => {
      child = spawn('nfdump', nfdumpArgs(path), { env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'pipe'] });
      const c = child;
      c.stderr!.setEncoding('utf8');
      c.stderr!.on('data', (d: string) => { if (stderr.length < 4096) stderr += d; });
      exited = new Promise((res) => { c.on('close', (code) => res(code)); c.on('error', () => res(-1)); });
      return new LineSource(displayName, c.stdout!, problem);
    },
    onEnd: async () => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill();
      const code = await exited;
      // nfdump reports damaged files on stderr and often still exits with 0: its words are passed on.
      const said = stderr.trim().split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 5).join('; ');
      if (code !== 0 && code !== null) errors.inputError(displayName, 0, `nfdump exited with status ${code}${said ? `: ${said}` : ''}`);
      else if (said) errors.inputError(displayName, 0, `nfdump reported: ${said}`);
    },
  });
}
