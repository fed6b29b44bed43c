// Child process of the benchmark: one full analysis, then its figures as JSON on stdout.
// Usage: analyse.ts INPUT OUTDIR [all|core]; "core" disables every detection module, which
// measures reading, profiling, time windows, the flow database and the evidence path alone.
import { runAnalysis } from '../src/cli/run.ts';
import { defaultRawConfig } from '../src/config/config.ts';

const DETECTION_MODULES = ['flow_alerts', 'http_analyzer', 'network_discovery', 'brute_force_detector', 'arp',
  'beaconing', 'strato_letters', 'threat_intelligence', 'ip_info', 'suricata_alerts'];

const [input, out, mode = 'all'] = process.argv.slice(2);
const config = defaultRawConfig();
if (mode === 'core') config.modules.disable = DETECTION_MODULES;
const res = await runAnalysis({ input: input!, outputDir: out!, config, configPath: null, configText: null,
  command: 'bench', quiet: true });
process.stdout.write(JSON.stringify({ ...res, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + '\n');
