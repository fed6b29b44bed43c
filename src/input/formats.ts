// The input formats and how each is told from its first bytes, in one place: `-f PATH` (detect.ts)
// and standard input (stdin.ts) both ask sniffFormat. A new format is one entry here, its parser
// or reader, and a case where the caller builds it.

/** What the first bytes of an input are. */
export type ContentFormat = 'pcap' | 'nfdump-binary' | 'suricata' | 'zeek-json' | 'zeek-tsv' | 'argus' | 'nfdump-csv';

const PCAP_MAGICS: ReadonlySet<number> = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a]);
const ARGUS_HEADER = /(^|[,\t])\s*(starttime|srcaddr|stime)\s*([,\t]|$)/i;
const NFDUMP_CSV_HEADER = /^(ts,te,td|cnt,af,firstseen|firstseen,)/i;

/** The first line that is not empty and not a `#` header or comment. */
function firstDataLine(text: string): string {
  for (const line of text.split('\n')) if (line.trim() !== '' && !line.trimStart().startsWith('#')) return line;
  return '';
}

interface FormatTest { format: ContentFormat; matches(head: Buffer, text: () => string, data: () => string): boolean }

/** In order: binary magics first, then the shape of the first data line. */
const TESTS: readonly FormatTest[] = [
  { format: 'pcap', matches: (h) => h.length >= 4 && PCAP_MAGICS.has(h.readUInt32BE(0)) },
  { format: 'nfdump-binary', matches: (h) => h.length >= 2 && h[0] === 0x0c && h[1] === 0xa5 },
  { format: 'suricata', matches: (_h, _t, d) => d().includes('"event_type"') || d().includes('flow_id') },
  { format: 'zeek-json', matches: (_h, _t, d) => d().trimStart().startsWith('{') },
  { format: 'nfdump-csv', matches: (_h, _t, d) => NFDUMP_CSV_HEADER.test(d()) },
  { format: 'argus', matches: (_h, _t, d) => ARGUS_HEADER.test(d()) || (d().includes('->') && (d().includes('\t') || d().split(',').length > 6)) },
  { format: 'zeek-tsv', matches: (_h, t, d) => /(^|\n)\s*#(separator|fields)/.test(t()) || d().includes('\t') || /\s-\s/.test(d()) },
];

/**
 * The format of an input from its first bytes (`text` is those bytes as text, decompressed when
 * they were gzip), or null when none fits.
 */
export function sniffFormat(head: Buffer, text: string): ContentFormat | null {
  let data: string | null = null;
  const firstData = (): string => (data ??= firstDataLine(text));
  for (const t of TESTS) if (t.matches(head, () => text, firstData)) return t.format;
  return null;
}

/** Whether Argus binetflow text is tab-separated (else comma-separated). */
export const argusUsesTabs = (text: string): boolean => firstDataLine(text).includes('\t');
