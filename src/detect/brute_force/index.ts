// brute_force_detector: SSH password guessing (spec detections §4), from ssh.log records and,
// for inputs without them (pcap analysers that do not parse SSH, Argus, nfdump, a lone conn.log),
// from short established connections to SSH.
import type { ConnFlow, Flow, NoticeFlow, SshFlow } from '../../flows/types.js';
import { isConnLike } from '../../flows/types.js';
import type { DetectionContext, Detector, FlowContext } from '../detector.js';
import type { WindowState } from '../window-state.js';
import { dstIp, srcIp } from '../entities.js';
import { ipFacts } from '../../util/ip.js';
import { pyFloat } from '../../util/py-format.js';
import { ownString } from '../../util/own-string.js';
import { BoundedMap } from '../../util/bounded-map.js';

/** Attempts at which confidence reaches 1.0. */
export const FULL_CONFIDENCE_ATTEMPTS = 30;
const AUTOMATION_TOKENS = ['libssh', 'libssh2', 'paramiko', 'hydra', 'medusa', 'ncrack', 'net::ssh', 'net-ssh', 'asyncssh', 'jsch', 'sshj'];
const INTERACTIVE_TOKENS = ['openssh', 'putty', 'dropbear', 'winscp'];
/** Uids kept per campaign (the evidence lists them; a long campaign must not grow without bound). */
const MAX_CAMPAIGN_UIDS = 1000;
const MAX_BANNERS = 100_000;
const MAX_CAMPAIGNS = 200_000;

export interface Banner { text: string; source: 'software.log' | 'ssh.log' }

/** Reporting bucket: -1 below the threshold, then floor(log2(attempts - T + 1)) (T, T+1, T+3, T+7, ...). */
export function bruteForceBucket(attempts: number, threshold: number): number {
  return attempts < threshold ? -1 : Math.floor(Math.log2(attempts - threshold + 1));
}

/** Confidence of a campaign: 0.5 at the threshold rising to 1.0 at 30 attempts, plus a banner bonus. */
export function bruteForceConfidence(attempts: number, threshold: number, banner: Banner | null, confirmed = 0): number {
  const effective = Math.max(attempts, confirmed);
  if (effective >= Math.max(threshold, FULL_CONFIDENCE_ATTEMPTS)) return 1;
  const ramp = Math.min(1, Math.max(0, (effective - threshold) / Math.max(1, FULL_CONFIDENCE_ATTEMPTS - threshold)));
  let bonus = 0;
  if (banner) {
    if (banner.source === 'software.log') bonus += 0.03;
    const b = banner.text.toLowerCase();
    if (AUTOMATION_TOKENS.some((t) => b.includes(t))) bonus += 0.07;
    else if (INTERACTIVE_TOKENS.some((t) => b.includes(t))) bonus += 0.02;
  }
  const c = 0.5 + 0.4 * ramp + Math.min(0.1, bonus);
  return Math.min(0.99, Math.round(c * 100) / 100);
}

interface Campaign {
  daddr: string;
  dport: number;
  /** From ssh.log records (auth_attempts each). */
  sshAttempts: number;
  sshRecords: number;
  /** From conn flows (one per short established SSH connection). */
  connAttempts: number;
  uids: string[];
  lastTs: number;
  bucket: number;
  client: string;
}

export class BruteForceDetector implements Detector {
  private readonly threshold: number;
  private readonly successBytes: number;
  /** Client software per source IP from software.log (SSH::CLIENT). */
  private readonly banners = new BoundedMap<string, string>(MAX_BANNERS);
  /** Per profile and window: `${daddr}|${dport}` -> campaign. */
  private readonly campaigns: WindowState<Map<string, Campaign>>;
  private campaignCount = 0;
  /** Per profile and window: attempts Zeek counted in its SSH::Password_Guessing notice (reported once). */
  private readonly confirmations: WindowState<number>;
  /** Once ssh.log records exist, Zeek conn flows it recognised as SSH are counted from ssh.log only. */
  private sawSshLog = false;

  constructor(private readonly ctx: DetectionContext) {
    this.threshold = Math.max(1, Math.trunc(ctx.settings.sshAttemptThreshold) || 9);
    this.successBytes = ctx.settings.sshSuccessfulThreshold;
    this.campaigns = ctx.perWindow((w) => { this.campaignCount -= w.size; });
    this.confirmations = ctx.perWindow();
  }

  onFlow(flow: Flow, fc: FlowContext): void {
    switch (flow.type_) {
      case 'software':
        if (flow.software === 'SSH::CLIENT' && flow.software_name) this.rememberBanner(flow.saddr, flow.software_name, flow.unparsed_version);
        return;
      case 'ssh': this.ssh(flow, fc); return;
      case 'notice': if (flow.note.includes('Password_Guessing')) this.notice(flow, fc); return;
      default: if (isConnLike(flow)) this.conn(flow, fc);
    }
  }

  private rememberBanner(ip: string, name: string, version: string): void {
    const text = version && version !== name ? `${name} ${version}` : name;
    this.banners.set(ownString(ip), ownString(text));
  }

  private campaign(fc: FlowContext, daddr: string, dport: number): Campaign | null {
    const w = this.campaigns.obtain(fc.ip, fc.tw, () => new Map());
    const ckey = `${daddr}|${dport}`;
    let c = w.get(ckey);
    if (!c) {
      if (this.campaignCount >= MAX_CAMPAIGNS) return null;
      this.campaignCount++;
      c = { daddr: ownString(daddr), dport, sshAttempts: 0, sshRecords: 0, connAttempts: 0, uids: [], lastTs: 0, bucket: -1, client: '' };
      w.set(ownString(ckey), c);
    }
    return c;
  }

  private ssh(f: SshFlow, fc: FlowContext): void {
    if (!this.ctx.addresses.of(f.saddr).valid || !f.daddr) return;
    this.sawSshLog = true;
    // A successful login is not a guess; zero or unknown attempts still mean one connection tried.
    const inc = f.auth_success === true ? 0 : f.auth_attempts > 0 ? f.auth_attempts : 1;
    const c = this.campaign(fc, f.daddr, f.dport);
    if (!c) return;
    c.sshRecords++;
    if (f.client && f.client !== c.client) c.client = ownString(f.client);
    if (inc === 0) return;
    c.sshAttempts += inc;
    this.addAttempt(c, f.uid, f.starttime, fc);
  }

  private conn(f: ConnFlow, fc: FlowContext): void {
    if (f.proto !== 'tcp' || fc.interpretedState !== 'Established') return;
    const isSsh = f.appproto.includes('ssh');
    if (!isSsh && f.dport !== 22) return;
    if (isSsh && this.sawSshLog && f.flow_source === 'zeek') return;
    // More bytes than the SSH_SUCCESSFUL threshold means a login that worked, not a guess.
    if (f.sbytes + f.dbytes > this.successBytes) return;
    const c = this.campaign(fc, f.daddr, f.dport);
    if (!c || c.sshRecords > 0) return;
    c.connAttempts++;
    this.addAttempt(c, f.uid, f.starttime, fc);
  }

  private addAttempt(c: Campaign, uid: string, ts: number, fc: FlowContext): void {
    if (uid && c.uids.length < MAX_CAMPAIGN_UIDS) c.uids.push(ownString(uid));
    if (ts > c.lastTs) c.lastTs = ts;
    const attempts = c.sshRecords > 0 ? c.sshAttempts : c.connAttempts;
    const bucket = bruteForceBucket(attempts, this.threshold);
    if (bucket <= c.bucket) return;
    c.bucket = bucket;
    this.report(c, attempts, fc);
  }

  private report(c: Campaign, attempts: number, fc: FlowContext): void {
    const fromSoftware = this.banners.get(fc.ip);
    const banner: Banner | null = fromSoftware ? { text: fromSoftware, source: 'software.log' }
      : c.client ? { text: c.client, source: 'ssh.log' } : null;
    const confirmed = this.confirmations.get(fc.ip, fc.tw);
    const conf = bruteForceConfidence(attempts, this.threshold, banner, confirmed ?? 0);
    const service = c.dport ? this.ctx.ports.name(c.dport, 'tcp') : undefined;
    const destination = c.dport ? `${c.daddr} on ${service ? `${service} ` : ''}${c.dport}/tcp` : c.daddr;
    let text = `SSH brute force detector from ${fc.ip} to ${destination}. Attempts observed: ${attempts}.`;
    if (banner) text += ` Client banner: ${banner.text} from ${banner.source}.`;
    if (confirmed !== undefined) text += ' Confirmed by Zeek notice.log.';
    text += ` Confidence: ${pyFloat(conf)}. by Slips`;
    this.ctx.emit({
      evidence_type: 'PASSWORD_GUESSING', description: text,
      attacker: srcIp(fc.ip), victim: this.ctx.addresses.of(c.daddr).valid ? dstIp(c.daddr) : null,
      threat_level: 'medium', confidence: conf,
      uid: [...c.uids], timestamp: c.lastTs, timewindow: fc.tw, proto: 'tcp', dst_port: c.dport || null,
    });
  }

  /** Zeek's own SSH::Password_Guessing notice: reported once per profile and window, and raises later confidence. */
  private notice(f: NoticeFlow, fc: FlowContext): void {
    if (this.confirmations.get(fc.ip, fc.tw) !== undefined) return;
    const m = /seen in (\d+) connections/.exec(f.msg);
    this.confirmations.set(fc.ip, fc.tw, m ? Number(m[1]) : 0);
    // Zeek's message ends with a full stop; the original adds its own after it.
    const msg = f.msg.endsWith('.') ? f.msg.slice(0, -1) : f.msg;
    this.ctx.emit({
      evidence_type: 'PASSWORD_GUESSING',
      description: `SSH brute force detector. ${msg}. Confirmed by Zeek notice.log. Confidence: 1.0. by Zeek`,
      attacker: srcIp(fc.ip),
      threat_level: 'medium', confidence: 1,
      uid: f.uid ? [f.uid] : [], timestamp: f.starttime, timewindow: fc.tw, proto: 'tcp',
    });
  }
}
