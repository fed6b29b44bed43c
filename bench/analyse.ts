// Child process of the benchmark: one full analysis, then its figures as JSON on stdout.
// Usage: analyse.ts INPUT OUTDIR [all|core]; "core" disables every detection module, which
// measures reading, profiling, time windows, the flow database and the evidence path alone.
import { runAnalysis } from '../src/cli/run.ts';
import { defaultRawConfig } from '../src/config/config.ts';

const DETECTION_MODULES = ['flow_alerts', 'http_analyzer', 'network_discovery', 'brute_force_detector', 'arp',
  'beaconing', 'strato_letters', 'threat_intelligence', 'ip_info', 'suricata_alerts'];

// Optional further arguments: section.key=value (a number or a string) set in the configuration.
const [input, out, mode = 'all', ...overrides] = process.argv.slice(2);
const config = defaultRawConfig();
if (mode === 'core') config.modules.disable = DETECTION_MODULES;
for (const o of overrides) {
  const [path, value = ''] = o.split('=');
  const [section, key] = path!.split('.') as [keyof typeof config, string];
  (config[section] as Record<string, unknown>)[key] = value !== '' && !Number.isNaN(Number(value)) ? Number(value) : value;
}
const res = await runAnalysis({ input: input!, outputDir: out!, config, configPath: null, configText: null,
  command: 'bench', quiet: true });
process.stdout.write(JSON.stringify({ ...res, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + '\n');
