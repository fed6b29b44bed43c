// flow_alerts for the smaller Zeek logs (spec detections §2.4-2.8, §2.10): ssh.log, smtp.log,
// software.log, tunnel.log, notice.log and login.log.
import type { Flow, LoginFlow, NoticeFlow, SmtpFlow, SoftwareFlow, SshFlow, TunnelFlow } from '../../flows/types.js';
import { isConnLike } from '../../flows/types.js';
import type { DetectionContext, Detector, FlowContext } from '../detector.js';
import { ipFacts } from '../../util/ip.js';
import { dstIp, srcIp } from '../entities.js';
import type { ConnSummary } from '../../profiler/connections.js';
import { BoundedMap } from '../../util/bounded-map.js';

const SMTP_BRUTEFORCE_LOGINS = 3;
const SMTP_BRUTEFORCE_SECONDS = 10;

interface SoftwareVersion { version: string; uid: string }

export class MiscLogChecks implements Detector {
  private readonly smtpLogins = new BoundedMap<string, number[]>(100_000);
  /** Profile IP + software type -> the first version seen. */
  private readonly sshVersions = new BoundedMap<string, SoftwareVersion>(200_000);
  private readonly sshWaiting = new BoundedMap<string, SshFlow>(50_000);

  constructor(private readonly ctx: DetectionContext) {}

  onFlow(flow: Flow, fc: FlowContext): void {
    if (isConnLike(flow)) {
      const w = this.sshWaiting.get(flow.uid);
      if (w) { this.sshWaiting.delete(flow.uid); this.sshWithConn(w, this.ctx.connections.get(flow.uid)!); }
      return;
    }
    switch (flow.type_) {
      case 'ssh': this.ssh(flow); break;
      case 'smtp': this.smtp(flow); break;
      case 'software': this.software(flow, fc); break;
      case 'tunnel': this.tunnel(flow); break;
      case 'notice': this.notice(flow, fc); break;
      case 'login': this.login(flow); break;
      default: break;
    }
  }

  // SSH_SUCCESSFUL -------------------------------------------------------------------------------
  private ssh(f: SshFlow): void {
    const conn = this.ctx.connections.get(f.uid);
    if (conn) { this.sshWithConn(f, conn); return; }
    // The conn.log record normally comes first (it starts earlier); otherwise it is awaited (bounded).
    this.sshWaiting.set(f.uid, f);
  }

  private sshWithConn(f: SshFlow, conn: ConnSummary): void {
    const size = conn.sbytes + conn.dbytes;
    let by: string;
    if (f.auth_success === true) by = 'Zeek';
    else if (size > this.ctx.settings.sshSuccessfulThreshold) by = 'Slips';
    else return;
    this.ctx.emit({
      evidence_type: 'SSH_SUCCESSFUL',
      description: `SSH successful to IP ${conn.daddr}. From IP ${conn.saddr}. Sent bytes: ${size}. Detection model ${by}. Confidence 0.8`,
      attacker: srcIp(conn.saddr), victim: dstIp(conn.daddr), threat_level: 'info', confidence: 0.8,
      uid: [f.uid], timestamp: f.starttime, proto: 'tcp', src_port: conn.sport, dst_port: conn.dport,
    });
  }

  // BAD_SMTP_LOGIN and SMTP_LOGIN_BRUTEFORCE ---------------------------------------------------
  private smtp(f: SmtpFlow): void {
    if (!f.last_reply.toLowerCase().includes('bad smtp-auth user')) return;
    const base = { attacker: srcIp(f.saddr), victim: dstIp(f.daddr), threat_level: 'high' as const, confidence: 1,
      uid: [f.uid], timestamp: f.starttime, proto: 'tcp', src_port: f.sport, dst_port: f.dport };
    this.ctx.emit({ ...base, evidence_type: 'BAD_SMTP_LOGIN', description: `doing bad SMTP login to ${f.daddr} ` });
    let times = this.smtpLogins.get(f.saddr);
    if (!times) { times = []; this.smtpLogins.set(f.saddr, times); }
    times.push(f.starttime);
    if (times.length < SMTP_BRUTEFORCE_LOGINS) return;
    if (times[times.length - 1]! - times[0]! <= SMTP_BRUTEFORCE_SECONDS) {
      this.ctx.emit({ ...base, evidence_type: 'SMTP_LOGIN_BRUTEFORCE',
        description: `doing SMTP login bruteforce to ${f.daddr}. ${SMTP_BRUTEFORCE_LOGINS} logins in ${SMTP_BRUTEFORCE_SECONDS} seconds. ` });
      times.length = 0;
    } else times.shift();
  }

  // MULTIPLE_SSH_VERSIONS ----------------------------------------------------------------------
  private software(f: SoftwareFlow, fc: FlowContext): void {
    const role = f.software === 'SSH::CLIENT' ? 'client' : f.software === 'SSH::SERVER' ? 'server' : null;
    if (!role || f.version_major === null) return;
    const version = `${f.version_major}_${f.version_minor ?? ''}`;
    const key = `${fc.ip}|${f.software}`;
    const first = this.sshVersions.get(key);
    if (!first) { this.sshVersions.set(key, { version, uid: f.uid }); return; }
    if (first.version === version) return;
    this.ctx.emit({
      evidence_type: 'MULTIPLE_SSH_VERSIONS',
      description: `SSH ${role} version changing from ${first.version} to ${version}`,
      attacker: srcIp(f.saddr), threat_level: 'medium', confidence: 0.9,
      uid: [first.uid, f.uid], timestamp: f.starttime, proto: 'tcp', src_port: f.sport,
    });
  }

  // GRE_TUNNEL and GRE_SCAN --------------------------------------------------------------------
  private tunnel(f: TunnelFlow): void {
    if (f.tunnel_type !== 'Tunnel::GRE') return;
    const scan = f.action === 'Tunnel::DISCOVER';
    this.ctx.emit({
      evidence_type: scan ? 'GRE_SCAN' : 'GRE_TUNNEL',
      description: `GRE ${scan ? 'scan' : 'tunnel'} from ${f.saddr} to ${f.daddr} tunnel action: ${f.action}`,
      attacker: srcIp(f.saddr), victim: dstIp(f.daddr), threat_level: 'low', confidence: 1,
      uid: [f.uid], timestamp: f.starttime, proto: 'gre', src_port: f.sport, dst_port: f.dport,
    });
  }

  // Zeek scan notices --------------------------------------------------------------------------
  private notice(f: NoticeFlow, fc: FlowContext): void {
    const base = { threat_level: 'high' as const, confidence: 1, uid: [f.uid], timestamp: f.starttime,
      ...(f.scanned_port !== null ? { dst_port: f.scanned_port } : {}) };
    if (f.note.includes('Port_Scan')) {
      const m = /ports of host (\S+) in/.exec(f.msg);
      const victim = m && this.ctx.addresses.of(m[1]!).valid ? dstIp(m[1]!) : f.dst && this.ctx.addresses.of(f.dst).valid ? dstIp(f.dst) : null;
      this.ctx.scanMarks.mark(f.saddr, fc.tw);
      this.ctx.emit({ ...base, evidence_type: 'VERTICAL_PORT_SCAN', description: `vertical port scan by Zeek engine. ${f.msg}`,
        attacker: srcIp(f.saddr), victim });
    } else if (f.note.includes('Address_Scan')) {
      this.ctx.scanMarks.mark(f.saddr, fc.tw);
      this.ctx.emit({ ...base, evidence_type: 'HORIZONTAL_PORT_SCAN', description: `horizontal port scan by Zeek engine. ${f.msg}`,
        attacker: srcIp(fc.ip) });
    }
  }

  // LOGIN --------------------------------------------------------------------------------------
  private login(f: LoginFlow): void {
    if (!this.ctx.addresses.of(f.daddr).valid) return;
    const status = f.success ? 'successful' : f.confused ? 'confused' : 'failed';
    const proto = f.proto || 'login';
    const userPart = f.user ? ` for user ${f.user}` : '';
    this.ctx.emit({
      evidence_type: 'LOGIN',
      description: `${status} ${proto} login. ${userPart} destination IP: ${f.daddr}.`,
      attacker: dstIp(f.daddr), victim: srcIp(f.saddr), profile: f.saddr, threat_level: 'info', confidence: 1,
      uid: [f.uid], timestamp: f.starttime, proto: 'tcp', src_port: f.sport, dst_port: f.dport,
    });
  }
}
