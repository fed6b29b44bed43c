// Argus binetflow (`ra -c ,` or tab-separated, optionally labelled) -> conn-like flows
// (spec core §1.7.2). Columns are found by header name; without a header (stdin) the
// original's fixed layout is used.
import type { ConnFlow } from '../flows/types.js';
import { parseWallClock, type ZoneConverter } from './wallclock.js';
import { UidSequence } from './uid.js';
import type { LineParser } from './line-reader.js';

type Field = 'starttime' | 'endtime' | 'dur' | 'proto' | 'appproto' | 'saddr' | 'sport' | 'dir' | 'daddr' | 'dport'
  | 'state' | 'pkts' | 'bytes' | 'sbytes' | 'dbytes' | 'spkts' | 'dpkts' | 'label' | 'smac' | 'dmac';

/** Argus field names (lower case) as `ra` prints them, and common spellings. */
const NAMES: Record<string, Field> = {
  starttime: 'starttime', stime: 'starttime', time: 'starttime', ts: 'starttime',
  lasttime: 'endtime', ltime: 'endtime', endtime: 'endtime',
  dur: 'dur', duration: 'dur',
  proto: 'proto', appproto: 'appproto',
  srcaddr: 'saddr', saddr: 'saddr', srca: 'saddr',
  sport: 'sport', srcport: 'sport',
  dir: 'dir',
  dstaddr: 'daddr', daddr: 'daddr', dsta: 'daddr',
  dport: 'dport', dstport: 'dport',
  state: 'state',
  totpkts: 'pkts', pkts: 'pkts',
  totbytes: 'bytes', bytes: 'bytes',
  srcbytes: 'sbytes', sbytes: 'sbytes',
  dstbytes: 'dbytes', dbytes: 'dbytes',
  srcpkts: 'spkts', spkts: 'spkts',
  dstpkts: 'dpkts', dpkts: 'dpkts',
  label: 'label',
  srcmac: 'smac', smac: 'smac', dstmac: 'dmac', dmac: 'dmac',
};

/** The original's column layout for header-less lines (stdin). */
const FIXED_LAYOUT: Partial<Record<Field, number>> = {
  starttime: 0, dur: 1, proto: 2, saddr: 3, sport: 4, dir: 5, daddr: 6, dport: 7, state: 8,
  pkts: 11, bytes: 12, sbytes: 13, spkts: 14,
};

/** The field a header column names, or null. Exact names first, then the original's substring rule. */
export function argusField(column: string): Field | null {
  const c = column.trim().toLowerCase();
  if (c in NAMES) return NAMES[c]!;
  if (c.includes('appproto')) return 'appproto';
  if (c.includes('endtime') || c.includes('lasttime')) return 'endtime';
  if (c.includes('time')) return 'starttime';
  if (c.includes('dur')) return 'dur';
  if (c.includes('proto')) return 'proto';
  if (c.includes('srca')) return 'saddr';
  if (c.includes('dsta')) return 'daddr';
  return null;
}

const isHeaderLine = (tokens: string[]): boolean =>
  tokens.some((t) => { const x = t.trim().toLowerCase(); return x === 'starttime' || x === 'srcaddr' || x === 'dstaddr' || x === 'totpkts' || x === 'stime'; });

/** A port as Argus prints it: decimal, or hex for ICMP type/code ("0x0303"); empty is 0. */
function port(text: string | undefined): number | null {
  if (text === undefined) return 0;
  const t = text.trim();
  if (t === '') return 0;
  if (/^\d+$/.test(t)) return Number(t);
  if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t, 16);
  return null;
}

function count(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) && n >= 0 ? n : NaN;
}

export class ArgusParser implements LineParser {
  private cols: Partial<Record<Field, number>> | null = null;
  private tabs: boolean | null;
  private readonly uids = new UidSequence('C');

  /**
   * @param zone how zone-less Argus times are read (config `parameters.argus_timezone`)
   * @param layout 'header': the first line names the columns (files); 'fixed': stdin layout unless a header shows up
   */
  constructor(private readonly zone: ZoneConverter, layout: 'header' | 'fixed' = 'header', tabs: boolean | null = null) {
    this.tabs = tabs;
    if (layout === 'fixed') this.cols = { ...FIXED_LAYOUT };
  }

  private split(line: string): string[] {
    // Like the original: comma-separated when the line has more than 5 commas, else TAB.
    const tabs = this.tabs ?? !(line.split(',').length - 1 > 5);
    return line.split(tabs ? '\t' : ',');
  }

  parse(line: string): ConnFlow | string | null {
    if (line.trim() === '' || line.startsWith('#')) return null;
    const tokens = this.split(line);
    if (isHeaderLine(tokens)) {
      const cols: Partial<Record<Field, number>> = {};
      tokens.forEach((t, i) => { const f = argusField(t); if (f && cols[f] === undefined) cols[f] = i; });
      if (cols.starttime === undefined || cols.saddr === undefined || cols.daddr === undefined) {
        return 'binetflow header without StartTime, SrcAddr and DstAddr columns';
      }
      this.cols = cols;
      return null;
    }
    const c = this.cols;
    if (!c) return 'data line before the binetflow header (StartTime,Dur,Proto,SrcAddr,...)';
    const get = (f: Field): string | undefined => { const i = c[f]; return i === undefined ? undefined : tokens[i]; };
    const startText = get('starttime');
    if (startText === undefined) return `expected at least ${c.starttime! + 1} columns, found ${tokens.length}`;
    const start = parseWallClock(startText, this.zone);
    if (!Number.isFinite(start)) return `invalid StartTime "${startText}"`;
    const saddr = (get('saddr') ?? '').trim(), daddr = (get('daddr') ?? '').trim();
    if (get('daddr') === undefined) return `expected ${c.daddr! + 1} columns, found ${tokens.length}`;
    const durText = get('dur');
    let dur = durText === undefined || durText.trim() === '' ? 0 : Number(durText);
    const endText = get('endtime');
    if (endText !== undefined && endText.trim() !== '' && (durText === undefined || durText.trim() === '')) {
      const end = parseWallClock(endText, this.zone);
      if (Number.isFinite(end)) dur = end - start;
    }
    if (!Number.isFinite(dur) || dur < 0) return `invalid Dur "${durText}"`;
    const sport = port(get('sport')), dport = port(get('dport'));
    if (sport === null) return `invalid Sport "${get('sport')}"`;
    if (dport === null) return `invalid Dport "${get('dport')}"`;
    const nums: Record<'pkts' | 'bytes' | 'sbytes' | 'dbytes' | 'spkts' | 'dpkts', number | null> = {
      pkts: count(get('pkts')), bytes: count(get('bytes')), sbytes: count(get('sbytes')), dbytes: count(get('dbytes')),
      spkts: count(get('spkts')), dpkts: count(get('dpkts')),
    };
    for (const [k, v] of Object.entries(nums)) if (Number.isNaN(v)) return `invalid ${k} "${get(k as Field)}"`;
    // Totals and per-direction counters complete each other (numbers, not strings).
    const sbytes = nums.sbytes ?? 0, spkts = nums.spkts ?? 0;
    const bytes = nums.bytes ?? sbytes + (nums.dbytes ?? 0);
    const pkts = nums.pkts ?? spkts + (nums.dpkts ?? 0);
    const dbytes = nums.dbytes ?? Math.max(0, bytes - sbytes);
    const dpkts = nums.dpkts ?? Math.max(0, pkts - spkts);
    const state = (get('state') ?? '').trim();
    return {
      type_: 'argus',
      starttime: start, uid: this.uids.next(), saddr, daddr, interface: 'default', flow_source: 'argus',
      ground_truth_label: (get('label') ?? '').trim(), detailed_ground_truth_label: '',
      sport, dport, proto: (get('proto') ?? '').trim().toLowerCase(), appproto: (get('appproto') ?? '').trim(),
      dur, sbytes, dbytes, spkts, dpkts, state, history: '',
      smac: (get('smac') ?? '').trim(), dmac: (get('dmac') ?? '').trim(),
      endtime: start + dur, pkts, bytes, state_hist: state, dir_: get('dir') ?? '',
    };
  }
}
