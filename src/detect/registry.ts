// Every detection module the engine runs, in order.
import type { DetectorFactory } from './detector.js';
import { ConnChecks } from './flow_alerts/conn.js';

export const DETECTORS: DetectorFactory[] = [
  (ctx) => new ConnChecks(ctx),
];
