// One-time notes about flow_alerts detections that need an online source this run does not have.
import type { SetupContext } from '../registry.js';
import { domainAgeHandleFor, youngDomainWanted } from '../../enrich/domain-age.js';

export function announceOfflineFlowAlerts(c: SetupContext): void {
  // setupDomainAges runs first: with a domain-age source configured there is nothing to announce.
  if (!youngDomainWanted(c.settings) || domainAgeHandleFor(c.settings).source) return;
  c.print('flow_alerts', 'YOUNG_DOMAIN is skipped: it needs a domain-age source (ip_info.domain_ages_file or ip_info.online_domain_age), and none is configured in this offline run.');
}
