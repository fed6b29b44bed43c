// flow_alerts checks that need feed data: malicious JA3 / JA3S (ssl.log, spec §2.3.3), malicious
// SSL certificates by SHA1 (files.log, §2.9) and connections to Tor exit nodes (§2.1.11).
import type { ConnFlow, FilesFlow, Flow, SslFlow } from '../../flows/types.js';
import { isConnLike } from '../../flows/types.js';
import type { DetectionContext, Detector } from '../detector.js';
import type { Entity } from '../../evidence/types.js';
import { isIgnoredIp } from '../../util/ip.js';
import type { IocInfo, IocStore } from '../../ti/ioc-store.js';
import { tagsText } from '../../ti/tags.js';

const ip = (value: string, direction: 'SRC' | 'DST'): Entity => ({ direction, ioc_type: 'IP', value });

/** " description: X." unless the feed has none, then " tags: [...]" if any (as the original). */
function ja3Tail(info: IocInfo): string {
  let s = '';
  if (info.description && info.description !== 'None') s += ` description: ${info.description}.`;
  const tags = tagsText(info);
  if (tags) s += ` tags: ${tags}`;
  return s;
}

export class FingerprintChecks implements Detector {

  constructor(private readonly ctx: DetectionContext) {
  }

  onFlow(flow: Flow): void {
    const store = this.ctx.ti.store;
    if (!store) return;
    if (isConnLike(flow)) { this.tor(store, flow); return; }
    if (flow.type_ === 'ssl') this.ja3(store, flow);
    else if (flow.type_ === 'files') this.certificate(store, flow);
  }

  private ja3(store: IocStore, f: SslFlow): void {
    // JA3 comes from Zeek's ja3 package (or our own packet engine); other sources have none.
    const common = { uid: [f.uid], timestamp: f.starttime, proto: f.proto || 'tcp', src_port: f.sport, dst_port: f.dport };
    const client = store.lookupJa3(f.ja3);
    if (client) {
      this.ctx.emit({ evidence_type: 'MALICIOUS_JA3',
        description: `Malicious JA3: ${f.ja3} from source address ${f.saddr} to ${f.daddr}.${ja3Tail(client)}`,
        attacker: ip(f.saddr, 'SRC'), victim: ip(f.daddr, 'DST'), profile: f.saddr,
        threat_level: client.threat_level, confidence: 1, ...common });
    }
    const server = store.lookupJa3(f.ja3s);
    if (server) {
      const description = `Malicious JA3s: (possible C&C server): ${f.ja3s} to server ${f.daddr}.${ja3Tail(server)}`;
      this.ctx.emit({ evidence_type: 'MALICIOUS_JA3S', description,
        attacker: ip(f.daddr, 'DST'), victim: ip(f.saddr, 'SRC'), profile: f.daddr,
        threat_level: server.threat_level, confidence: 1, ...common });
      this.ctx.emit({ evidence_type: 'MALICIOUS_JA3S', description,
        attacker: ip(f.saddr, 'SRC'), victim: ip(f.daddr, 'DST'), profile: f.saddr,
        threat_level: 'low', confidence: 1, ...common });
    }
  }

  /**
   * A certificate Zeek extracted from a TLS handshake whose SHA1 is listed. In files.log the server
   * sent the certificate (tx host) to the client (rx host). The original named the rx host as the
   * "server"; here the server really is the sender of the certificate.
   */
  private certificate(store: IocStore, f: FilesFlow): void {
    if (!f.sha1 || !f.source.toUpperCase().includes('SSL')) return;
    if (f.analyzers.length && !f.analyzers.some((a) => a.toUpperCase() === 'SHA1')) return;
    const info = store.lookupSsl(f.sha1);
    if (!info) return;
    const server = f.saddr, client = f.daddr;
    const tags = tagsText(info);
    const description = `Malicious SSL certificate to server ${server}. description: ${info.description} ${tags}`;
    const common = { uid: [f.uid], timestamp: f.starttime, proto: 'tcp' };
    this.ctx.emit({ evidence_type: 'MALICIOUS_SSL_CERT', description,
      attacker: ip(server, 'DST'), victim: ip(client, 'SRC'), profile: server,
      threat_level: info.threat_level, confidence: 1, ...common });
    this.ctx.emit({ evidence_type: 'MALICIOUS_SSL_CERT', description,
      attacker: ip(client, 'SRC'), victim: ip(server, 'DST'), profile: client,
      threat_level: 'low', confidence: 1, ...common });
  }

  private tor(store: IocStore, f: ConnFlow): void {
    if (!store.isTorExit(f.daddr) || isIgnoredIp(f.daddr)) return;
    this.ctx.emit({ evidence_type: 'TOR_EXIT_NODE',
      description: `A connection to TOR exit node ${f.daddr}.`,
      attacker: ip(f.daddr, 'DST'), victim: ip(f.saddr, 'SRC'), profile: f.saddr,
      threat_level: 'info', confidence: 1, uid: [f.uid], timestamp: f.starttime,
      proto: f.proto, src_port: f.sport, dst_port: f.dport });
  }
}
