// The application-layer analyzers (packet engine II) the pipeline passes to the packet engine.
import type { AnalyzerFactory } from './analyzer.js';
import { createAnalyzerFactory } from './analyzers/index.js';

/** The application-layer analyzer factory of packet engine II (a new one per run). */
export function analyzerFactory(): AnalyzerFactory | null {
  return createAnalyzerFactory();
}
