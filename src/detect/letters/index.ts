// Stratosphere letters per (profile, time window, outgoing tuple), written to strato_letters.tsv
// when `parameters.export_strato_letters` is on. Nothing else consumes them yet (the RNN C&C
// module is not part of this implementation), so nothing is computed when the export is off.
import { join } from 'node:path';
import type { Flow } from '../../flows/types.js';
import { isConnLike } from '../../flows/types.js';
import type { DetectionContext, Detector, FlowContext } from '../detector.js';
import type { WindowState } from '../window-state.js';
import { BufferedFile } from '../../output/buffered-file.js';
import { nextSymbol, type TupleClock } from './stratoletters.js';

export const LETTERS_FILE = 'strato_letters.tsv';
const MAX_OPEN_TUPLES = 1_000_000;
/** Letters kept per tuple; the original's RNN reads at most 500. */
const MAX_LETTERS = 10_000;

interface Tuple extends TupleClock { letters: string }

export class StratoLetters implements Detector {
  /** Per profile and window: tuple id -> letters. */
  private readonly windows: WindowState<Map<string, Tuple>>;
  private openTuples = 0;
  private out: BufferedFile | null = null;
  readonly enabled: boolean;

  constructor(ctx: DetectionContext) {
    this.enabled = ctx.settings.exportStratoLetters;
    this.windows = ctx.perWindow((w) => { this.openTuples -= w.size; });
    if (!this.enabled) return;
    this.out = new BufferedFile(join(ctx.outputDir, LETTERS_FILE));
    this.out.write('Outtuple\tLetters\n');
  }

  onFlow(flow: Flow, fc: FlowContext): void {
    if (!this.enabled || !isConnLike(flow)) return;
    const w = this.windows.obtain(fc.ip, fc.tw, () => new Map());
    const id = `${flow.daddr}-${flow.dport}-${flow.proto}`;
    let t = w.get(id);
    if (!t) {
      if (this.openTuples >= MAX_OPEN_TUPLES) return;
      this.openTuples++;
      t = { last: null, lastLast: null, letters: '' };
      w.set(id, t);
    }
    const symbol = nextSymbol(t, flow.starttime, flow.dur, flow.sbytes + flow.dbytes);
    if (t.letters.length < MAX_LETTERS) t.letters += symbol;
  }

  /** Letters of one tuple so far (for tests and future consumers). */
  lettersOf(ip: string, tw: number, tuple: string): string | undefined {
    return this.windows.get(ip, tw)?.get(tuple)?.letters;
  }

  /** The window's tuples are written; its state is freed by the pipeline right after. */
  onTimewindowClosed(ip: string, tw: number): void {
    const w = this.windows.get(ip, tw);
    if (!w || !this.out) return;
    for (const [id, t] of w) this.out.write(`${ip}-${id}-timewindow${tw}\t${t.letters}\n`);
  }

  onFinished(): void {
    this.out?.close();
    this.out = null;
  }
}
