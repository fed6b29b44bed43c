// Setup step: registers the evidence enricher of a run.
import type { SetupContext } from '../detect/registry.js';
import { EntityEnricher } from './enricher.js';
import { tiHandleFor } from '../ti/handle.js';
import { OnlineReverseDns } from './online-rdns.js';

export function setupEnrichment(c: SetupContext): void {
  const cfg = c.settings.raw.ip_info;
  const online = cfg.online_rdns === true ? new OnlineReverseDns({ timeoutMs: Number(cfg.online_lookup_timeout) * 1000 }) : null;
  if (online) c.print('ip_info', 'Reverse DNS lookups through the system resolver are enabled (ip_info.online_rdns).');
  c.engine.handler.enrichers.push(new EntityEnricher(c.engine.dns, c.engine.facts, tiHandleFor(c.settings), online));
}
