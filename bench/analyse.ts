// Child process of the benchmark: one full analysis, then its figures as JSON on stdout.
import { runAnalysis } from '../src/cli/run.ts';
import { defaultRawConfig } from '../src/config/config.ts';

const [input, out] = process.argv.slice(2);
const res = await runAnalysis({ input: input!, outputDir: out!, config: defaultRawConfig(), configPath: null, configText: null,
  command: 'bench', quiet: true });
process.stdout.write(JSON.stringify({ ...res, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + '\n');
