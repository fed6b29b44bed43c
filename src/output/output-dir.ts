// The output folder: which folder a run writes to, and when an earlier folder may be cleared.
// Like the original, -o reuses a folder after deleting the previous output in it; unlike a
// folder test by a few common names, only a folder this project wrote is cleared, only the
// entries it writes are deleted, never the input, and only once the run is known to start.
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve, sep, isAbsolute } from 'node:path';
import { folderStamp, nowEpoch } from '../util/time.js';

/** Written at the top of every output folder; its presence is what allows -o to clear the folder. */
export const OUTPUT_MARKER = '.slips-output';

/**
 * Top-level entries this project writes into an output folder; only these are deleted when the
 * folder is reused. A stage that writes a new top-level entry adds its name here.
 */
export const OUTPUT_ENTRIES: ReadonlySet<string> = new Set([
  OUTPUT_MARKER, 'alerts', 'databases', 'metadata', 'slips.log', 'errors.log', 'zeek_files', 'labeled_flows.json',
  'labeled_flows.tsv', 'strato_letters.tsv', 'slips_output.txt', 'blocking', 'exporting_alerts',
]);

export class OutputDirError extends Error {}

/** The folder a run writes to: -o, else output/<input name>_<start time>/. */
export function outputDirFor(input: string, outputDir: string | undefined): string {
  return outputDir ? resolve(outputDir) : resolve('output', `${basename(input)}_${folderStamp(nowEpoch())}`);
}

const real = (p: string): string => { try { return realpathSync(p); } catch { return resolve(p); } };

/** Whether `inner` is `outer` or lies inside it. */
function within(inner: string, outer: string): boolean {
  const r = relative(outer, inner);
  return r === '' || (!r.startsWith(`..${sep}`) && r !== '..' && !isAbsolute(r));
}

/** Whether the folder holds this project's output: its marker, or the info.txt its metadata has. */
function holdsOurOutput(dir: string): boolean {
  if (existsSync(join(dir, OUTPUT_MARKER))) return true;
  try {
    const info = readFileSync(join(dir, 'metadata', 'info.txt'), 'utf8');
    return info.startsWith('Slips version: ') && info.includes('\nImplementation: slips-ts');
  } catch { return false; }
}

/**
 * Refuses, before anything is deleted, an output folder that would destroy the input or that
 * holds something this project did not write. Call it before the run's other start-up checks
 * have side effects, and clear the folder only after they passed.
 */
export function checkOutputDir(dir: string, inputs: readonly string[]): void {
  const d = real(dir);
  for (const input of inputs) {
    const i = real(input);
    if (within(i, d)) {
      const top = relative(d, i).split(sep)[0]!;
      if (top === '' || OUTPUT_ENTRIES.has(top)) {
        throw new OutputDirError(`the input ${input} is inside the output folder ${dir}, which is cleared before a run; choose another -o`);
      }
    }
  }
  if (!existsSync(dir)) return;
  let names: string[];
  try { names = readdirSync(dir); } catch (e) {
    throw new OutputDirError(`cannot read output folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (names.length && !holdsOurOutput(dir)) {
    throw new OutputDirError(`output folder ${dir} is not empty and holds no earlier slips output; not deleting its contents (choose another -o)`);
  }
}

/** Deletes the earlier output in the folder (test mode keeps slips_output.txt), creates it, and marks it. */
export function prepareOutputDir(dir: string, version: string, keepTestOutput: boolean): void {
  try {
    if (existsSync(dir)) {
      for (const name of readdirSync(dir)) {
        if (!OUTPUT_ENTRIES.has(name) || (keepTestOutput && name === 'slips_output.txt')) continue;
        rmSync(join(dir, name), { recursive: true, force: true });
      }
    }
    mkdirSync(join(dir, 'alerts'), { recursive: true });
    mkdirSync(join(dir, 'databases'), { recursive: true });
    writeFileSync(join(dir, OUTPUT_MARKER), `slips-ts ${version} output folder: its entries are rewritten by the next run with -o here\n`);
  } catch (e) {
    throw new OutputDirError(`cannot prepare output folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
