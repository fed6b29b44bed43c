// Sinks beyond the built-in files and database, one line each (exporters, blocking, ...).
// Each factory decides from the settings whether it runs and returns null when it does not.
import type { SinkFactory } from './sink.js';

export const SINKS: SinkFactory[] = [
];
