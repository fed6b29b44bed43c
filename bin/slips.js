#!/usr/bin/env node
// Runs the compiled CLI (npm ci builds it through the `prepare` script). The `slips` command
// (bin/slips) starts it with the V8 flags the analysis is tuned for.
import { main } from '../dist/cli/main.js';

main(process.argv).then((code) => { process.exitCode = code; }, (e) => {
  process.stderr.write(`slips: unexpected error: ${e?.stack ?? String(e)}\n`);
  process.exitCode = 2;
});
