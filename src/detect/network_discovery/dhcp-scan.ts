// DHCP_SCAN (spec detections §3.5): a client requesting many different addresses in one time window.
import type { DhcpFlow } from '../../flows/types.js';
import type { DetectionContext, FlowContext } from '../detector.js';
import type { WindowState } from '../window-state.js';
import { srcIp } from '../entities.js';
import { Budget } from './budget.js';
import { ownString } from '../../util/own-string.js';

/** Evidence every this many distinct requested addresses (4, 8, 12, ...). */
export const DHCP_SCAN_STEP = 4;

export class DhcpScans {
  private readonly windows: WindowState<Set<string>>;

  constructor(private readonly ctx: DetectionContext, readonly budget = new Budget(500_000)) {
    this.windows = ctx.perWindow((seen) => this.budget.give(seen.size));
  }

  observe(f: DhcpFlow, fc: FlowContext): void {
    const requested = f.requested_addr;
    if (!requested) return;
    const seen = this.windows.get(fc.ip, fc.tw);
    if (!seen) {
      // The first request of a client in a window is only remembered.
      if (this.budget.take()) this.windows.set(fc.ip, fc.tw, new Set([ownString(requested)]));
      return;
    }
    if (seen.has(requested) || !this.budget.take()) return;
    seen.add(ownString(requested));
    const n = seen.size;
    if (n % DHCP_SCAN_STEP !== 0) return;
    this.ctx.emit({
      evidence_type: 'DHCP_SCAN',
      description: `Performing a DHCP scan by requesting ${n} different IP addresses. Confidence: 0.8. by Slips`,
      attacker: srcIp(fc.ip),
      threat_level: 'medium', confidence: 0.8,
      uid: [], timestamp: f.starttime, timewindow: fc.tw,
    });
  }
}
