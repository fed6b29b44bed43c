// Readers for flow files that are one record per line: Suricata eve.json and Argus binetflow.
import { basename } from 'node:path';
import { LineSource } from './lines.js';
import { LineFlowReader, FILE_REORDER_CAPACITY } from './line-reader.js';
import { SuricataParser } from './suricata.js';
import { ArgusParser } from './argus.js';
import type { ZoneConverter } from './wallclock.js';
import type { FlowReader, InputErrorSink } from './reader.js';

/** Suricata logs flows when they end: records are reordered by start time (bounded buffer). */
export function suricataReader(path: string, errors: InputErrorSink): FlowReader {
  return new LineFlowReader({
    description: `Suricata eve.json ${path}`, name: path, errors, parser: new SuricataParser(),
    open: (problem) => new LineSource(path, undefined, problem), reorder: FILE_REORDER_CAPACITY, countable: true,
  });
}

export function argusReader(path: string, errors: InputErrorSink, zone: ZoneConverter, tabs: boolean): FlowReader {
  return new LineFlowReader({
    description: `Argus binetflow ${basename(path)} (${tabs ? 'tab' : 'comma'} separated)`, name: path, errors,
    parser: new ArgusParser(zone, 'header', tabs), open: (problem) => new LineSource(path, undefined, problem),
    reorder: FILE_REORDER_CAPACITY, countable: true, headerLines: 1,
  });
}
