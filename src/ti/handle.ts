// Links the threat-intelligence tables loaded by the setup step to the detectors of the same run.
// Detectors are built before setup runs, so they hold this handle and read `intel` when flows come.
import type { ThreatIntel } from './service.js';
import type { IocInfo } from './ioc-store.js';
import { LOCAL_TAG } from './parsers.js';

export interface TiHandle { intel: ThreatIntel | null }

const handles = new WeakMap<object, TiHandle>();

/** The handle of a run, keyed by its settings object (one per run). */
export function tiHandleFor(settings: object): TiHandle {
  let h = handles.get(settings);
  if (!h) { h = { intel: null }; handles.set(settings, h); }
  return h;
}

/** Tags as evidence texts print them: a Python list for feeds, "local TI file" for local files. */
export function tagsText(info: IocInfo): string {
  if (info.tags.length === 0) return '';
  if (info.tags.length === 1 && info.tags[0] === LOCAL_TAG) return LOCAL_TAG;
  return `[${info.tags.map((t) => `'${t}'`).join(', ')}]`;
}
