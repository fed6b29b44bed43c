#!/usr/bin/env node
// Runs the compiled CLI (npm ci builds it through the `prepare` script).
import { main } from '../dist/cli/main.js';

main(process.argv).then((code) => { process.exitCode = code; }, (e) => {
  process.stderr.write(`slips: unexpected error: ${e?.stack ?? String(e)}\n`);
  process.exitCode = 2;
});
