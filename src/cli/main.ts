#!/usr/bin/env node
// The `slips` command line.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, defaultRawConfig, parseConfigText } from '../config/config.js';
import { SLIPS_VERSION } from '../output/alert-format.js';
import { IMPLEMENTATION, RunFailed, runAnalysis, StartError } from './run.js';
import { errorLines } from '../util/visible-text.js';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function level(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 3) throw new InvalidArgumentError(`${name} must be 0, 1, 2 or 3`);
    return n;
  };
}

function fail(message: string): never {
  process.stderr.write(`slips: ${message}\n`);
  process.exit(1);
}

export async function main(argv: string[]): Promise<number> {
  if (argv[2] === 'zeek') {
    // Loaded lazily: only this sub-command needs the packet engine at start-up.
    const { zeekCommand } = await import('./zeek.js');
    return zeekCommand(argv.slice(3));
  }
  const program = new Command('slips')
    .description('Behavioral network intrusion detection: analyse Zeek logs and other flow inputs')
    .option('-c, --config <file>', 'configuration file (default: config/slips.yaml)')
    .option('-v, --verbose <n>', 'verbosity 0-3', level('verbosity'))
    .option('-e, --debug <n>', 'debug level 0-3', level('debug level'))
    .option('-f, --filepath <path>', 'input to analyse: Zeek log folder or file, Suricata eve.json, Argus binetflow, nfdump file, or zeek|suricata|argus|nfdump|- for stdin')
    .option('-o, --output <dir>', 'output folder (its contents are deleted first)')
    .option('-t, --testing', 'test mode: keep slips_output.txt in the output folder')
    .option('-i, --interface <iface>', 'capture live from an interface')
    .option('-g, --growing <dir>', 'follow DIR as a growing Zeek folder until Ctrl-C/SIGTERM (-i names the interface)')
    .option('-F, --pcapfilter <bpf>', 'packet capture filter')
    .option('-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .exitOverride();
  try { program.parse(argv); } catch (e) {
    const code = (e as { exitCode?: number }).exitCode ?? 1;
    return code;
  }
  const o = program.opts<{ config?: string; verbose?: number; debug?: number; filepath?: string; output?: string;
    testing?: boolean; interface?: string; growing?: string; pcapfilter?: string; version?: boolean }>();
  if (o.version) { process.stdout.write(`Slips ${SLIPS_VERSION} (${IMPLEMENTATION})\n`); return 0; }
  if (o.interface && o.filepath) fail('-i IFACE and -f PATH cannot be used together');
  if (o.growing && o.filepath) fail('-g DIR and -f PATH cannot be used together: -g names the input');
  if (!o.filepath && !o.growing && !o.interface) fail('you need to define an input source with -f PATH, -i IFACE or -g DIR (see slips -h)');
  const live = Boolean(o.interface && !o.growing);
  const input = (o.growing ?? o.filepath ?? o.interface)!;

  let configPath: string | null = o.config ?? null;
  if (!configPath) {
    const local = resolve('config', 'slips.yaml');
    const bundled = join(packageRoot, 'config', 'slips.yaml');
    configPath = existsSync(local) ? local : existsSync(bundled) ? bundled : null;
  }
  let configText: string | null = null;
  let config = defaultRawConfig();
  try {
    if (configPath) {
      try { configText = readFileSync(configPath, 'utf8'); } catch (e) {
        throw new ConfigError(`cannot read config file ${configPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      config = parseConfigText(configText, configPath);
    }
  } catch (e) { if (e instanceof ConfigError) fail(e.message); throw e; }

  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: string): void => {
    interrupts++;
    if (interrupts > 1) { process.stderr.write(`\nslips: ${sig} again, stopping immediately\n`); process.exit(130); }
    process.stderr.write(`\nslips: ${sig} received, finishing the analysis of what was read (again to force)\n`);
    abort.abort();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  try {
    await runAnalysis({ input, growing: Boolean(o.growing), interfaceName: o.interface, live, pcapFilter: o.pcapfilter, outputDir: o.output, config, configPath, configText, verbose: o.verbose,
      debug: o.debug, testing: o.testing, command: ['slips', ...argv.slice(2)].join(' '), signal: abort.signal });
  } catch (e) {
    if (e instanceof StartError || e instanceof ConfigError) fail(e.message);
    if (e instanceof RunFailed) { process.stderr.write(`slips: ${e.message}\n`); return 2; }
    throw e;
  }
  return 0;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  // Exits explicitly: a failed run must not linger on a worker thread or a signal handler.
  main(process.argv).then((code) => { process.exitCode = code; if (code !== 0) process.exit(code); }, (e: unknown) => {
    process.stderr.write(`slips: unexpected error: ${errorLines(e).join('\n')}\n`);
    process.exit(2);
  });
}
