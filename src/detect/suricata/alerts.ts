// Suricata's own alerts as evidence: the original ignores eve.json `alert` events; here each one
// becomes SURICATA_ALERT with the rule's signature, category and severity.
import type { AlertFlow, Flow } from '../../flows/types.js';
import type { ThreatLevel } from '../../evidence/types.js';
import type { DetectionContext, Detector } from '../detector.js';
import { dstIp, srcIp } from '../entities.js';

/** Suricata priorities (classification.config): 1 most severe. */
export function severityToThreatLevel(severity: number): ThreatLevel {
  if (severity <= 1) return 'high';
  if (severity === 2) return 'medium';
  if (severity === 3) return 'low';
  return 'info';
}

export function suricataAlertDescription(f: AlertFlow): string {
  const proto = f.proto ? f.proto.toUpperCase() : '';
  const where = f.dport || f.sport ? ` from ${f.saddr}:${f.sport} to ${f.daddr}:${f.dport}${proto ? `/${proto}` : ''}` : ` from ${f.saddr} to ${f.daddr}`;
  const category = f.category ? ` Category: ${f.category}.` : '';
  const action = f.action && f.action !== 'allowed' ? ` Action: ${f.action}.` : '';
  return `Suricata alert: ${f.signature || 'unnamed signature'} (sid ${f.gid || 1}:${f.signature_id}:${f.rev}, severity ${f.severity}).${category}${action}${where}`;
}

export class SuricataAlerts implements Detector {
  constructor(private readonly ctx: DetectionContext) {}

  onFlow(flow: Flow): void {
    if (flow.type_ !== 'alert') return;
    this.ctx.emit({
      evidence_type: 'SURICATA_ALERT',
      description: suricataAlertDescription(flow),
      attacker: srcIp(flow.saddr), victim: flow.daddr ? dstIp(flow.daddr) : undefined,
      threat_level: severityToThreatLevel(flow.severity),
      // The rule matched; how much that means is carried by the severity, not by doubt about the match.
      confidence: 1,
      uid: [flow.uid], timestamp: flow.starttime, proto: flow.proto, src_port: flow.sport, dst_port: flow.dport,
      method: 'Signature',
    });
  }
}
