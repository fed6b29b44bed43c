// export_to: idea -- each evidence as an IDEA0 message (the format of CESNET's Warden) in its own
// file of a Warden Filer spool folder: written under temp/ and renamed into incoming/, so the
// filer's sender never picks up a half-written file. As the original's Warden exporter, info
// evidence is not sent and private addresses are left out.
import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SinkContext, SinkFactory } from '../sinks/sink.js';
import type { Entity, Evidence, EvidenceType } from '../evidence/types.js';
import { isIpAddress, isPrivateIp } from '../util/ip.js';
import { nowEpoch } from '../util/time.js';
import type { Transport } from './queue.js';
import { exportSettings, inOutputDir } from './settings.js';
import { queuedSink, SENDER } from './common.js';

type IdeaEndpoint = Record<string, string[] | number[]>;
export interface IdeaMessage {
  Format: 'IDEA0'; ID: string; DetectTime: string; EventTime: string; Category: string[]; Confidence: number;
  Description: string; Source?: IdeaEndpoint[]; Target?: IdeaEndpoint[];
  Node: { Name: string; Type: string[]; SW: string[] }[];
  Attach: { Content: string; ContentType: string }[];
}

/** IDEA classification (idea.cesnet.cz/en/classifications) of each evidence type; Anomaly.Traffic otherwise. */
const CATEGORY: Partial<Record<EvidenceType, string>> = {};
const classify = (category: string, types: EvidenceType[]): void => { for (const t of types) CATEGORY[t] = category; };
classify('Recon.Scanning', ['HORIZONTAL_PORT_SCAN', 'VERTICAL_PORT_SCAN', 'ICMP_TIMESTAMP_SCAN', 'ICMP_ADDRESS_SCAN',
  'ICMP_ADDRESS_MASK_SCAN', 'DHCP_SCAN', 'ARP_SCAN', 'DNS_ARPA_SCAN', 'GRE_SCAN', 'CONNECTION_TO_MULTIPLE_PORTS']);
classify('Recon.Sniffing', ['MITM_ARP_ATTACK']);
classify('Attempt.Login', ['PASSWORD_GUESSING', 'SMTP_LOGIN_BRUTEFORCE', 'BAD_SMTP_LOGIN']);
classify('Intrusion.Botnet', ['COMMAND_AND_CONTROL_CHANNEL', 'BEACONING']);
classify('Malware', ['MALICIOUS_DOWNLOADED_FILE', 'EXECUTABLE_MIME_TYPE']);
classify('Information.UnauthorizedAccess', ['DATA_UPLOAD', 'NETWORK_GPS_LOCATION_LEAKED']);
classify('Anomaly.Protocol', ['NON_HTTP_PORT_80_CONNECTION', 'NON_SSL_PORT_443_CONNECTION', 'WEIRD_HTTP_METHOD',
  'INCOMPATIBLE_CN', 'CN_URL_MISMATCH', 'SELF_SIGNED_CERTIFICATE', 'INVALID_CERTIFICATE', 'HIGH_ENTROPY_DNS_ANSWER',
  'INVALID_DNS_RESOLUTION', 'GRE_TUNNEL', 'DNS_OVER_HTTPS']);
classify('Anomaly.Connection', ['CONNECTION_WITHOUT_DNS', 'DNS_WITHOUT_CONNECTION', 'LONG_CONNECTION',
  'MULTIPLE_RECONNECTION_ATTEMPTS', 'EMPTY_CONNECTIONS', 'CONNECTION_TO_PRIVATE_IP', 'UNKNOWN_PORT', 'PORT_0_CONNECTION']);
classify('Anomaly.Application', ['SUSPICIOUS_USER_AGENT', 'INCOMPATIBLE_USER_AGENT', 'MULTIPLE_USER_AGENT',
  'HTTP_TRAFFIC', 'PASTEBIN_DOWNLOAD']);
classify('Anomaly.Behaviour', ['SSH_SUCCESSFUL', 'LOGIN', 'DEVICE_CHANGING_IP', 'DIFFERENT_LOCALNET', 'ARP_OUTSIDE_LOCALNET',
  'UNSOLICITED_ARP', 'MULTIPLE_SSH_VERSIONS']);
classify('Attempt.Exploit', ['SURICATA_ALERT']);

/** IDEA Node.Type tag of an evidence method. */
const NODE_TYPE: Record<Evidence['method'], string> = { Heuristic: 'Heuristic', Statistical: 'Statistical',
  Signature: 'Signature', Threshold: 'Statistical', AI: 'Statistical', Correlation: 'Correlation', Policy: 'Policy' };

const ideaTime = (epoch: number): string => new Date(Math.round(epoch * 1000)).toISOString();

/** One side of the evidence, or null when it is a private address (not shared outside). */
function endpoint(e: Entity): IdeaEndpoint | null {
  if (e.ioc_type === 'IP') {
    if (!isIpAddress(e.value) || isPrivateIp(e.value)) return null;
    return { [e.value.includes(':') ? 'IP6' : 'IP4']: [e.value] };
  }
  if (e.ioc_type === 'URL') return { URL: [e.value] };
  if (e.ioc_type === 'DOMAIN') return { Hostname: [e.value] };
  return null;
}

/** The IDEA message of an evidence, or null when nothing is left to share (info, or only private addresses). */
export function ideaMessage(ev: Evidence, nodeName: string, detectTime: number): IdeaMessage | null {
  if (ev.threat_level === 'info') return null;
  const attacker = endpoint(ev.attacker);
  const victim = ev.victim ? endpoint(ev.victim) : null;
  const proto = ev.proto ? [ev.proto.toLowerCase()] : null;
  const attackerIsSource = ev.attacker.direction === 'SRC';
  if (attacker) {
    const port = attackerIsSource ? ev.src_port : ev.dst_port;
    if (port !== null && port > 0) attacker.Port = [port];
    if (proto) attacker.Proto = proto;
  }
  if (victim) {
    const port = attackerIsSource ? ev.dst_port : ev.src_port;
    if (port !== null && port > 0) victim.Port = [port];
    if (proto) victim.Proto = proto;
  }
  const sources: IdeaEndpoint[] = [];
  const targets: IdeaEndpoint[] = [];
  if (ev.evidence_type === 'COMMAND_AND_CONTROL_CHANNEL') {
    // Both ends of a C&C channel are sources, told apart by Type (IDEA design, "Sources and targets").
    if (attacker) sources.push({ ...attacker, Type: ['Botnet'] });
    if (victim) sources.push({ ...victim, Type: ['CC'] });
  } else {
    if (attacker) (attackerIsSource ? sources : targets).push(attacker);
    if (victim) (attackerIsSource ? targets : sources).push(victim);
  }
  if (!sources.length && !targets.length) return null;
  const msg: IdeaMessage = {
    Format: 'IDEA0', ID: ev.id, DetectTime: ideaTime(detectTime), EventTime: ideaTime(ev.timestamp),
    Category: [CATEGORY[ev.evidence_type] ?? 'Anomaly.Traffic'], Confidence: Math.min(1, Math.max(0, ev.confidence)),
    Description: ev.evidence_type,
    Node: [{ Name: nodeName, Type: ['Flow', NODE_TYPE[ev.method]], SW: ['Slips'] }],
    Attach: [{ Content: `${ev.description} Threat level: ${ev.threat_level}.`, ContentType: 'text/plain' }],
  };
  if (sources.length) msg.Source = sources;
  if (targets.length) msg.Target = targets;
  return msg;
}

/** The client name from the Warden client configuration (JSON; lines starting with # or // are comments). */
export function wardenClientName(path: string): string | null {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch { return null; }
  try {
    const conf = JSON.parse(text.split('\n').filter((l) => !/^\s*(#|\/\/)/.test(l)).join('\n')) as { name?: unknown };
    return typeof conf.name === 'string' && conf.name ? conf.name : null;
  } catch { return null; }
}

class SpoolTransport implements Transport<{ name: string; text: string }> {
  readonly description: string;
  private ready = false;
  constructor(private readonly dir: string) { this.description = dir; }

  async send(batch: readonly { name: string; text: string }[]): Promise<void> {
    const temp = join(this.dir, 'temp'), incoming = join(this.dir, 'incoming');
    if (!this.ready) { await mkdir(temp, { recursive: true }); await mkdir(incoming, { recursive: true }); this.ready = true; }
    for (const f of batch) {
      await writeFile(join(temp, f.name), f.text);
      await rename(join(temp, f.name), join(incoming, f.name));
    }
  }

  close(): void {}
}

export const ideaSink: SinkFactory = (ctx: SinkContext) => {
  const raw = ctx.settings.raw;
  if (raw.cesnet.send_alerts === true || raw.cesnet.receive_alerts === true) {
    ctx.error(SENDER, 'cesnet.send_alerts/receive_alerts: talking to a Warden server directly is not supported; ' +
      'use export_to: [idea] and Warden Filer to send (docs/exporting.md)');
  }
  const s = exportSettings(raw);
  if (!s.exportTo.has('idea')) return null;
  const confPath = String(raw.cesnet.configuration_file);
  const nodeName = wardenClientName(confPath) ?? `${s.sensorName}.slips`;
  const dir = inOutputDir(ctx.outputDir, s.ideaDirectory);
  ctx.print(SENDER, `Exporting evidence as IDEA0 files to ${dir}/incoming (node name ${nodeName}).`);
  let serial = 0;
  return queuedSink('idea', ctx, s, new SpoolTransport(dir), {
    evidence: (ev) => {
      const msg = ideaMessage(ev, nodeName, nowEpoch());
      // A unique name per file: the filer only requires uniqueness within the spool.
      return msg ? { name: `${process.pid}.${String(serial++).padStart(8, '0')}.${ev.id}.idea`, text: JSON.stringify(msg) } : null;
    },
  }, 64);
};
