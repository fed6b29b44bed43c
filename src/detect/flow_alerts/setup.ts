// One-time notes about flow_alerts detections that need an online source this run does not have.
import type { SetupContext } from '../registry.js';

export function announceOfflineFlowAlerts(c: SetupContext): void {
  const disabled = c.settings.disabledModules.some((m) => m.toLowerCase().replace(/[_\-\s]/g, '') === 'flowalerts');
  if (disabled || c.settings.disabledDetections.has('YOUNG_DOMAIN')) return;
  c.print('flow_alerts', 'YOUNG_DOMAIN is skipped: it needs a domain-age (whois) source, and none is configured in this offline run.');
}
