// Setup step: registers the evidence enricher of a run.
import type { SetupContext } from '../detect/registry.js';
import { EntityEnricher } from './enricher.js';
import { trafficFactsFor } from './traffic-facts.js';
import { tiHandleFor } from '../ti/handle.js';

export function setupEnrichment(c: SetupContext): void {
  c.engine.handler.enrichers.push(new EntityEnricher(c.engine.dns, trafficFactsFor(c.settings), tiHandleFor(c.settings)));
}
