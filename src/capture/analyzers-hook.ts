// The application-layer analyzers (packet engine II) the pipeline passes to the packet engine.
import type { AnalyzerFactory } from './analyzer.js';

/** Null until packet engine II provides analyzers; then its factory. */
export function analyzerFactory(): AnalyzerFactory | null {
  return null;
}
