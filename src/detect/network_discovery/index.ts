// The network_discovery module: port scans, ICMP sweeps and DHCP scans (spec detections §3).
import type { Flow } from '../../flows/types.js';
import { isConnLike } from '../../flows/types.js';
import type { DetectionContext, Detector, FlowContext } from '../detector.js';
import { PortScans } from './port-scans.js';
import { IcmpSweeps } from './icmp-sweeps.js';
import { DhcpScans } from './dhcp-scan.js';

export class NetworkDiscovery implements Detector {
  readonly portScans: PortScans;
  readonly icmpSweeps: IcmpSweeps;
  readonly dhcpScans: DhcpScans;

  constructor(ctx: DetectionContext) {
    this.portScans = new PortScans(ctx);
    this.icmpSweeps = new IcmpSweeps(ctx);
    this.dhcpScans = new DhcpScans(ctx);
  }

  onFlow(flow: Flow, fc: FlowContext): void {
    if (isConnLike(flow)) {
      if (flow.proto === 'tcp' || flow.proto === 'udp') this.portScans.observe(flow, fc);
      else if (flow.proto.includes('icmp')) this.icmpSweeps.observe(flow, fc);
    } else if (flow.type_ === 'dhcp') this.dhcpScans.observe(flow, fc);
  }
}
