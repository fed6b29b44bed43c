// `slips zeek -r FILE -o DIR`: turns a capture into Zeek logs with the project's packet engine.
import path from 'node:path';
import { analysePcap } from '../capture/engine.js';
import { analyzerFactory } from '../capture/analyzers-hook.js';
import type { PacketEngineOptions } from '../capture/options.js';
import { connFields, ZeekLogWriter } from '../capture/zeek-writer.js';

const USAGE = `usage: slips zeek -r FILE.pcap|- -o DIR [--zeek-defaults] [--json] [-C] [--flat]
  -r FILE          pcap or pcapng capture ('-' reads stdin)
  -o DIR           output directory; logs go to DIR/zeek_files/ (or DIR/ with --flat)
  --zeek-defaults  Zeek's default timeouts, checksum validation and columns
                   (default: the settings Slips runs Zeek with)
  --json           JSON lines instead of Zeek TSV
  -C               ignore checksums
  --flat           write the logs directly into DIR`;

/** Problems (skipped packets, link types) printed one per line; past this they are only counted. */
const MAX_NOTICE_LINES = 20;

/**
 * `slips zeek ...`: turns a capture into Zeek logs. Returns the process exit code.
 */
export async function zeekCommand(argv: string[]): Promise<number> {
  let input: string | null = null;
  let outDir: string | null = null;
  let zeekDefaults = false;
  let json = false;
  let ignoreChecksums: boolean | undefined;
  let flat = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-r') input = argv[++i] ?? null;
    else if (a === '-o') outDir = argv[++i] ?? null;
    else if (a === '--zeek-defaults') zeekDefaults = true;
    else if (a === '--json') json = true;
    else if (a === '-C') ignoreChecksums = true;
    else if (a === '--flat') flat = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE + '\n');
      return 0;
    } else {
      process.stderr.write(`slips zeek: unknown argument ${a}\n${USAGE}\n`);
      return 2;
    }
  }
  if (!input || !outDir) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const opts: PacketEngineOptions = { preset: zeekDefaults ? 'zeek' : 'slips' };
  if (ignoreChecksums !== undefined) opts.ignoreChecksums = ignoreChecksums;
  const macLogging = !zeekDefaults;
  const dir = flat ? outDir : path.join(outDir, 'zeek_files');
  const writer = new ZeekLogWriter(dir, { json, schemas: { conn: connFields(macLogging) } });
  let error: string | null = null;
  const name = input === '-' ? 'stdin' : input;
  let notices = 0;
  const notice = (msg: string): void => {
    if (++notices <= MAX_NOTICE_LINES) process.stderr.write(`slips zeek: ${name}: ${msg}\n`);
    else if (notices === MAX_NOTICE_LINES + 1) process.stderr.write(`slips zeek: ${name}: further problems are counted only\n`);
  };
  try {
    const src = input === '-' ? process.stdin : input;
    const res = await analysePcap(src, opts, (log, rec) => writer.write(log, rec), (msg) => {
      error = msg;
    }, analyzerFactory(), notice);
    writer.close();
    if (res.skipped > 0) process.stderr.write(`slips zeek: ${name}: ${res.skipped} packets skipped for an impossible timestamp\n`);
    if (error) {
      process.stderr.write(`slips zeek: ${name}: ${error} (${res.packets} packets processed)\n`);
      // Packets read before a truncated record were still analysed and logged.
      return res.packets > 0 ? 0 : 1;
    }
    return 0;
  } catch (e) {
    writer.close();
    process.stderr.write(`slips zeek: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
