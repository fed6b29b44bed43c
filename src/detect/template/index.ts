// The template module: a complete, small detector to copy when adding a detection. Registered
// like every other, and disabled by default (`modules.disable: [template]`, as in the original).
// It reports a profile that opens at least THRESHOLD established connections to one destination
// port within a time window, once per window and port.
import type { Flow } from '../../flows/types.js';
import { isConnLike } from '../../flows/types.js';
import type { DetectionContext, Detector, FlowContext } from '../detector.js';
import type { OncePerWindow, WindowState } from '../window-state.js';
import { srcIp } from '../entities.js';

export const THRESHOLD = 100;

export class TemplateDetector implements Detector {
  /** Per profile and window: connections per destination port (freed by the pipeline when the window closes). */
  private readonly counts: WindowState<Map<number, number>>;
  /** What was reported in the window, so that each port is reported once. */
  private readonly reported: OncePerWindow;

  constructor(private readonly ctx: DetectionContext) {
    this.counts = ctx.perWindow();
    this.reported = ctx.oncePerWindow(1000, 'skip');
  }

  onFlow(flow: Flow, fc: FlowContext): void {
    if (!isConnLike(flow) || fc.interpretedState !== 'Established') return;
    const byPort = this.counts.obtain(fc.ip, fc.tw, () => new Map());
    const n = (byPort.get(flow.dport) ?? 0) + 1;
    byPort.set(flow.dport, n);
    if (n < THRESHOLD || !this.reported.first(fc.ip, fc.tw, String(flow.dport))) return;
    this.ctx.emit({
      evidence_type: 'TEMPLATE_EXAMPLE',
      description: `${n} established connections to port ${flow.dport}/${flow.proto} in one time window (template module).`,
      attacker: srcIp(fc.ip), threat_level: 'info', confidence: 0.5,
      uid: [flow.uid], timestamp: flow.starttime, proto: flow.proto, dst_port: flow.dport,
    });
  }
}
