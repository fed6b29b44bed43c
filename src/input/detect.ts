// Input auto-detection for `-f PATH` (spec §1.2), by content rather than the `file` command.
import { open, readdir, stat } from 'node:fs/promises';
import { TolerantGunzip } from './gunzip.js';
import { basename } from 'node:path';
import { zeekLogKind, SUPPORTED_ZEEK_LOGS } from './zeek.js';
import { argusUsesTabs, sniffFormat } from './formats.js';

export type InputKind =
  | { kind: 'zeek_folder'; path: string; follow?: 'until-stopped' | 'until-quiet' }
  | { kind: 'zeek_log_file'; path: string; log: string }
  | { kind: 'pcap'; path: string }
  | { kind: 'interface'; iface: string }
  | { kind: 'nfdump'; path: string }
  | { kind: 'binetflow'; path: string; tabs: boolean }
  | { kind: 'suricata'; path: string }
  | { kind: 'stdin'; lineType: 'zeek' | 'suricata' | 'argus' | 'nfdump' | 'auto' };

/** A PATH that cannot be analysed; the message is one line for the user. */
export class InputError extends Error {}

async function readHead(path: string, bytes = 65536): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally { await fh.close(); }
}

/** The first decompressed bytes of a gzip file, damaged or not (gunzip.ts keeps what decodes). */
async function gunzipHead(path: string, bytes = 65536): Promise<string> {
  const fh = await open(path, 'r');
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of new TolerantGunzip(fh)) { chunks.push(c); n += c.length; if (n >= bytes) break; }
  } catch { /* unreadable: told below as an unknown format */ } finally { await fh.close(); }
  return Buffer.concat(chunks).subarray(0, bytes).toString('utf8');
}


export async function detectInput(path: string): Promise<InputKind> {
  const lower = path.toLowerCase();
  let st;
  try { st = await stat(path); } catch (e) {
    if (['zeek', 'suricata', 'argus', 'nfdump'].includes(lower)) return { kind: 'stdin', lineType: lower as 'zeek' };
    // `-f -` (or `-f stdin`): the format is told from the first bytes on stdin.
    if (path === '-' || lower === 'stdin') return { kind: 'stdin', lineType: 'auto' };
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? `input ${path} does not exist` : `cannot access input ${path}: ${code}`);
  }
  if (st.isDirectory()) {
    let names: string[];
    try { names = await readdir(path); } catch (e) { throw new InputError(`cannot read folder ${path}: ${(e as NodeJS.ErrnoException).code}`); }
    if (!names.some((n) => { const k = zeekLogKind(n); return k !== null && k !== 'x509'; })) {
      throw new InputError(`no supported Zeek logs in ${path}: log files must end with .log or .log.labeled (optionally .gz) and be one of ${[...SUPPORTED_ZEEK_LOGS].join(', ')}`);
    }
    return { kind: 'zeek_folder', path };
  }
  if (!st.isFile()) throw new InputError(`input ${path} is neither a file nor a folder`);
  let head: Buffer;
  try { head = await readHead(path); } catch (e) { throw new InputError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code}`); }
  if (head.length === 0) throw new InputError(`input file ${path} is empty`);
  const binary = sniffFormat(head, '');
  if (binary === 'pcap') return { kind: 'pcap', path };
  // nfdump files are told by their magic, or by their usual names (nfcapd.YYYYMMDDhhmm).
  if (binary === 'nfdump-binary' || lower.includes('nfcap') || lower.includes('nfdump')) return { kind: 'nfdump', path };
  const text = head[0] === 0x1f && head[1] === 0x8b ? await gunzipHead(path) : head.toString('utf8');
  const logKind = zeekLogKind(path);
  const named = (what: string): string =>
    `${basename(path)} looks like a ${what} Zeek log but its name is not one of the logs Slips reads (${[...SUPPORTED_ZEEK_LOGS].join(', ')})`;
  switch (sniffFormat(head, text)) {
    case 'suricata': return { kind: 'suricata', path };
    case 'zeek-json': if (!logKind) throw new InputError(named('JSON')); return { kind: 'zeek_log_file', path, log: logKind };
    case 'argus': return { kind: 'binetflow', path, tabs: argusUsesTabs(text) };
    case 'zeek-tsv': if (!logKind) throw new InputError(named('TSV')); return { kind: 'zeek_log_file', path, log: logKind };
    default: break;
  }
  throw new InputError(`unrecognised input file type: ${path} (expected a Zeek log or folder, Suricata eve.json, Argus binetflow, nfdump or pcap)`);
}
