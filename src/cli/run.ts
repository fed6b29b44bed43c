// One analysis run: output folder, readers, engine, outputs, clean shutdown.
import { existsSync, mkdirSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { deriveSettings, type RawConfig, type Settings } from '../config/config.js';
import { detectInput, InputError, type InputKind } from '../input/detect.js';
import { ZeekReader } from '../input/zeek-reader.js';
import { GrowingZeekReader, folderIsBeingWritten } from '../input/growing.js';
import { argusReader, suricataReader } from '../input/files.js';
import { nfdumpReader } from '../input/nfdump.js';
import { stdinReader } from '../input/stdin.js';
import { zoneConverter, type ZoneConverter } from '../input/wallclock.js';
import { emptyReaderStats, type FlowReader } from '../input/reader.js';
import { PcapReader, engineOptionsFrom } from '../input/pcap.js';
import { startLiveCapture } from '../input/live.js';
import { analyzerFactory } from '../capture/analyzers-hook.js';
import { Logger } from '../output/logger.js';
import { AlertWriter } from '../output/alert-writer.js';
import { banner, Progress, summaryText } from '../output/console.js';
import { SLIPS_VERSION } from '../output/alert-format.js';
import { FlowDatabase, labelledFlows, profileRowCount } from '../store/flow-db.js';
import { IdGenerator } from '../evidence/ids.js';
import { composeAnalysis } from '../pipeline/compose.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { describeWidth } from '../profiler/timewindows.js';
import { SinkFanOut, type AnalysisSink } from '../sinks/sink.js';
import { SINK_CHECKS, SINKS } from '../sinks/registry.js';
import { BufferedFile } from '../output/buffered-file.js';
import { humanLocal, nowEpoch } from '../util/time.js';
import { checkOutputDir, outputDirFor, OutputDirError, prepareOutputDir } from '../output/output-dir.js';
import { errorLines, visibleText } from '../util/visible-text.js';

export const IMPLEMENTATION = 'slips-ts 0.1.0';

export interface RunOptions {
  input: string;
  outputDir?: string;
  config: RawConfig;
  configPath: string | null;
  configText: string | null;
  verbose?: number;
  debug?: number;
  testing?: boolean;
  command: string;
  signal?: AbortSignal;
  quiet?: boolean;
  /** -g: `input` is a Zeek folder that is followed until the signal aborts. */
  growing?: boolean;
  /** Interface name for the flows of a growing folder (-i with -g), or the interface to capture (-i alone). */
  interfaceName?: string;
  /** -i without -g: capture live from `interfaceName` (with `pcapFilter`). */
  live?: boolean;
  /** -F: BPF filter for live capture (overrides parameters.pcapfilter). */
  pcapFilter?: string;
}

export interface RunResult {
  outputDir: string;
  flows: number;
  profiles: number;
  evidence: number;
  alerts: number;
  malformed: number;
  seconds: number;
}

/** A run that cannot start: one line for the user, non-zero exit. */
export class StartError extends Error {}

/** Packet input (file, stdin or interface): Zeek-format logs go to <out>/zeek_files unless configured off. */
function pcapReader(source: string | import('node:stream').Readable, name: string, logger: Logger, settings: Settings,
  outputDir: string, iface: string, onStop?: () => void): PcapReader {
  const p = settings.raw.parameters;
  const zeekDir = p.store_zeek_files_in_the_output_dir || p.store_a_copy_of_zeek_files ? join(outputDir, 'zeek_files') : null;
  return new PcapReader(source, name, logger, { zeekDir, engine: engineOptionsFrom(Number(p.tcp_inactivity_timeout)),
    analyzers: analyzerFactory(), iface, onStop });
}

async function makeReader(kind: InputKind, logger: Logger, settings: Settings, iface: string | undefined,
  outputDir: string, signal: AbortSignal, pcapFilter?: string): Promise<FlowReader> {
  const quietMs = Math.max(0, Number(settings.raw.parameters.input_quiet_period)) * 1000;
  let zone: ZoneConverter;
  try { zone = zoneConverter(String(settings.raw.parameters.argus_timezone)); } catch (e) {
    throw new StartError(`"parameters.argus_timezone": ${(e as Error).message}`);
  }
  try {
    switch (kind.kind) {
      case 'zeek_folder':
        if (kind.follow === 'until-stopped') return new GrowingZeekReader(kind.path, logger, { quietMs: null, iface });
        // Logs still being written are followed until they stay quiet, as the original's tailing does.
        if (kind.follow === 'until-quiet' || await folderIsBeingWritten(kind.path, quietMs)) {
          return new GrowingZeekReader(kind.path, logger, { quietMs });
        }
        return ZeekReader.forFolder(kind.path, logger);
      case 'zeek_log_file': return ZeekReader.forFile(kind.path, kind.log, logger);
      case 'suricata': return suricataReader(kind.path, logger);
      case 'binetflow': return argusReader(kind.path, logger, zone, kind.tabs);
      case 'nfdump': return nfdumpReader(kind.path, logger);
      case 'stdin': return await stdinReader({ lineType: kind.lineType, errors: logger, argusZone: zone,
        pcapReader: (stream) => pcapReader(stream, 'stdin', logger, settings, outputDir, 'default') });
      case 'pcap': return pcapReader(kind.path, kind.path, logger, settings, outputDir, 'default');
      case 'interface': {
        const filter = pcapFilter ?? String(settings.raw.parameters.pcapfilter || '');
        const cap = await startLiveCapture(kind.iface, filter, signal);
        return pcapReader(cap.stream, `interface ${kind.iface}`, logger, settings, outputDir, kind.iface, cap.stop);
      }
    }
  } catch (e) {
    if (e instanceof StartError) throw e;
    throw new StartError((e as Error).message);
  }
}

function writeMetadata(dir: string, opts: RunOptions, settings: Settings): string {
  const meta = join(dir, 'metadata');
  mkdirSync(meta, { recursive: true });
  if (opts.configText !== null) writeFileSync(join(meta, 'slips.yaml'), opts.configText);
  const wl = String(settings.raw.whitelists.local_whitelist_path);
  if (existsSync(wl)) copyFileSync(wl, join(meta, 'whitelist.conf'));
  const info = [
    `Slips version: ${SLIPS_VERSION}`,
    `Implementation: ${IMPLEMENTATION}`,
    `File: ${opts.input}`,
    `Command: ${opts.command}`,
    `Slips start date: ${humanLocal(nowEpoch())}`,
  ].join('\n') + '\n';
  writeFileSync(join(meta, 'info.txt'), info);
  return join(meta, 'info.txt');
}

function exportLabelledFlows(dir: string, dbPath: string, format: 'json' | 'tsv'): void {
  const out = new BufferedFile(join(dir, `labeled_flows.${format}`));
  if (format === 'tsv') out.write('uid\tflow\tlabel\tprofileid\ttwid\tflow_type\n');
  for (const r of labelledFlows(dbPath)) {
    if (format === 'json') out.write(JSON.stringify({ uid: r.uid, flow: r.flow, label: r.label, profileid: r.profileid, twid: r.twid }) + '\n');
    else out.write(`${r.uid}\t${r.flow}\t${r.label}\t${r.profileid}\t${r.twid}\t${r.flow_type}\n`);
  }
  out.close();
}

/** The run stopped on an unexpected error; what was read before it is in the outputs. */
export class RunFailed extends Error {
  constructor(readonly outputDir: string, cause: unknown) {
    super(`the analysis stopped on an unexpected error (${cause instanceof Error ? cause.message : String(cause)}); ` +
      `everything read before it is in ${outputDir}, details in its errors.log`, { cause });
  }
}

/** Internal errors on single flows tolerated before the run stops (each is reported). */
const MAX_FLOW_ERRORS = 100;
/** Text outputs are flushed at least this often (and at each alert), so a kill loses at most this much. */
const FLUSH_INTERVAL_MS = 1000;

export async function runAnalysis(opts: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const settings = deriveSettings(opts.config);
  if (opts.verbose !== undefined) settings.verbose = Math.max(1, opts.verbose);
  if (opts.debug !== undefined) settings.debug = opts.debug;

  // Everything that can refuse the run is checked before the output folder is touched.
  let kind: InputKind;
  if (opts.live) {
    if (!opts.interfaceName) throw new StartError('-i needs an interface name');
    kind = { kind: 'interface', iface: opts.interfaceName };
  } else if (opts.growing) {
    // A growing folder may still be empty (its Zeek not started yet): no content detection.
    if (!existsSync(opts.input) || !statSync(opts.input).isDirectory()) throw new StartError(`-g needs a folder: ${opts.input} is not one`);
    kind = { kind: 'zeek_folder', path: opts.input, follow: 'until-stopped' };
  } else {
    try { kind = await detectInput(opts.input); } catch (e) {
      if (e instanceof InputError) throw new StartError(e.message);
      throw e;
    }
  }
  for (const check of SINK_CHECKS) check(settings);
  const dir = outputDirFor(opts.input, opts.outputDir);
  try { checkOutputDir(dir, kind.kind === 'interface' || kind.kind === 'stdin' ? [] : [opts.input]); } catch (e) {
    if (e instanceof OutputDirError) throw new StartError(e.message);
    throw e;
  }
  const logger = new Logger(settings.verbose, settings.debug, opts.quiet);
  const signal = opts.signal ?? new AbortController().signal;
  const reader = await makeReader(kind, logger, settings, opts.interfaceName, dir, signal, opts.pcapFilter);
  try { prepareOutputDir(dir, SLIPS_VERSION, Boolean(opts.testing)); } catch (e) {
    if (e instanceof OutputDirError) throw new StartError(e.message);
    throw e;
  }
  logger.open(dir);
  if (!opts.quiet) process.stdout.write(banner(SLIPS_VERSION, IMPLEMENTATION) + '\n');
  logger.print('main', `Storing Slips logs in ${dir}`);
  if (kind.kind === 'stdin') logger.print('input', 'Receiving flows from stdin.');
  if (kind.kind === 'interface') logger.print('input', `Capturing on ${kind.iface}${opts.pcapFilter ?? settings.raw.parameters.pcapfilter ? ` with filter "${opts.pcapFilter ?? String(settings.raw.parameters.pcapfilter)}"` : ''}; Ctrl-C stops.`);

  const infoPath = settings.metadataDir ? writeMetadata(dir, opts, settings) : null;
  const db = new FlowDatabase(join(dir, 'databases', 'flows.sqlite'));
  const now = (): number => nowEpoch();
  const writer = new AlertWriter(dir, logger, now, !opts.quiet && settings.verbose >= 1);
  // Rows reach the database only after the text outputs holding them were written, so after a
  // kill the evidence table never has what alerts.log and alerts.json lack.
  db.beforeFlush = () => writer.flush();
  const flushTimer = setInterval(() => { writer.flush(); logger.flush(); db.flush(); }, FLUSH_INTERVAL_MS);
  flushTimer.unref();
  const reportError = (sender: string, what: string, err: unknown): void => logger.error(sender, [visibleText(what), ...errorLines(err)]);

  let failure: unknown = null;
  let closing = false;
  const shutdown = new AbortController();
  // An error outside the analysis' own call chain (a stream or timer callback) ends the run the same way.
  const onUncaught = (err: unknown): void => {
    if (failure === null) failure = err;
    reportError('main', 'unexpected error', err);
    if (!closing) shutdown.abort();
  };
  const runSignal = AbortSignal.any([signal, shutdown.signal]);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);

  let pipeline: Pipeline | null = null;
  let sinks: SinkFanOut | null = null;
  let readerStats = emptyReaderStats();
  let flowErrors = 0;
  try {
    const sinkCtx = { settings, outputDir: dir, finiteInput: kind.kind !== 'interface' && !(kind.kind === 'zeek_folder' && kind.follow === 'until-stopped'),
      print: (s: string, t: string) => logger.print(s, t), error: (s: string, t: string) => logger.error(s, t),
      claimStandardOutput: () => { logger.consoleOut = process.stderr; } };
    // The text outputs first, then the database (so that its rows never hold what the text lacks), then the rest.
    const sinkList: AnalysisSink[] = [writer, db];
    for (const make of SINKS) { const s = await make(sinkCtx); if (s) sinkList.push(s); }
    const analysis = await composeAnalysis({ settings, outputDir: dir, sinks: sinkList, ids: new IdGenerator(basename(opts.input)), now,
      log: { print: (s, t) => logger.print(s, t), error: (s, t) => logger.error(s, t) },
      hooks: {
        announce: (t) => logger.print('profiler', t),
        detectorError: (m, where, err) => reportError(m, `error in ${where}:`, err),
        sinkError: (name, err) => reportError(name, 'error', err),
      } });
    sinks = analysis.sinks;
    const eng = pipeline = analysis.pipeline;
    logger.print('main', `Using threshold: ${settings.evidenceDetectionThreshold}`);
    logger.print('main', `Time window width: ${describeWidth(settings.width)}`, { verbose: 2 });
    logger.print('input', `Reading ${reader.description}`, { verbose: 2 });
    logger.print('main', `Running modules: ${eng.activeModules.join(', ')}`, { verbose: 2 });
    logger.flush();

    const total = process.stderr.isTTY && !opts.quiet ? await reader.estimateTotal() : null;
    const progress = new Progress(total, Boolean(process.stderr.isTTY) && !opts.quiet);
    logger.beforePrint = () => progress.clear();
    readerStats = await reader.run((flow) => {
      // A fault of the program on one flow skips that flow, not the run (detectors have their own guard).
      try { eng.process(flow); } catch (e) {
        reportError('profiler', `internal error on the flow ${flow.uid} at ${flow.starttime}; the flow is skipped:`, e);
        if (++flowErrors === MAX_FLOW_ERRORS) {
          logger.error('profiler', `${MAX_FLOW_ERRORS} internal errors; stopping the analysis`);
          failure ??= new Error(`${MAX_FLOW_ERRORS} internal errors on flows`);
          shutdown.abort();
        }
      }
      progress.tick();
    }, runSignal);
    progress.clear();
    if (signal.aborted) logger.print('main', 'Stopping early on request; analysing what was read.');
  } catch (e) {
    failure ??= e;
    reportError('main', 'unexpected error; finishing with what was analysed:', e);
  }

  // From here on every output is completed and closed, whatever happened above.
  closing = true;
  clearInterval(flushTimer);
  logger.logOnly('input', `Stopping. Total lines read: ${readerStats.records + readerStats.malformed + readerStats.withoutIp}`);
  const step = (what: string, fn: () => void | Promise<void>): Promise<void> =>
    Promise.resolve().then(fn).catch((e: unknown) => { failure ??= e; reportError('main', `error while ${what}:`, e); });
  if (pipeline) await step('finishing the analysis', () => pipeline!.finish());
  const st = pipeline?.stats() ?? { flows: 0, profiles: 0, evidence: 0, alerts: 0 };
  const seconds = (performance.now() - started) / 1000;
  const facts: [string, string][] = [['input', opts.input], ['input_type', kind.kind], ['flows', String(st.flows)],
    ['time_window_width', String(settings.width)], ['first_flow_time', String(pipeline?.grid.start ?? '')]];
  await step('writing the analysis facts', () => { for (const [k, v] of facts) (sinks ?? db).analysis(k, v); });
  // Every sink, the database among them, flushes and closes; the database also when the run failed early.
  if (sinks) await step('closing the outputs', () => sinks!.close());
  await step('closing the database', () => db.close());
  for (const err of db.errors) logger.error('database', `writing ${db.path}: ${err}`);
  let profiles = st.profiles;
  await step('counting profiles', () => { profiles = profileRowCount(db.path); });
  if (settings.exportLabeledFlows) await step('exporting labelled flows', () => exportLabelledFlows(dir, db.path, settings.exportFormat));
  await step('closing alerts.log and alerts.json', () => writer.close());
  if (infoPath) await step('writing metadata', () => writeFileSync(infoPath, `Slips end date: ${humanLocal(nowEpoch())}\n`, { flag: 'a' }));
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  const summary = summaryText({ flows: st.flows, profiles, evidence: st.evidence, alerts: st.alerts,
    seconds, malformed: readerStats.malformed, dropped: readerStats.withoutIp });
  for (const line of summary.split('\n')) logger.logOnly('main', line);
  logger.print('main', `Analysis of ${opts.input} finished in ${(seconds / 60).toFixed(2)} minutes`, { verbose: 2 });
  logger.close();
  if (failure !== null) throw new RunFailed(dir, failure);
  if (!opts.quiet) process.stdout.write(summary + '\n');
  return { outputDir: dir, flows: st.flows, profiles, evidence: st.evidence, alerts: st.alerts,
    malformed: readerStats.malformed, seconds };
}
