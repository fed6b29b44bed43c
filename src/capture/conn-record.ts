/** The conn.log record of a connection (base/protocols/conn/main.zeek). */
import type { Connection } from './connection.js';
import type { ResolvedOptions } from './options.js';
import { EndpointState as ES, type TcpEndpoint } from './tcp.js';

export function connRecord(c: Connection, opts: ResolvedOptions): Record<string, unknown> {
  const rec: Record<string, unknown> = {
    ts: c.startTime,
    uid: c.uid,
    'id.orig_h': c.origH,
    'id.orig_p': c.origP,
    'id.resp_h': c.respH,
    'id.resp_p': c.respP,
    proto: c.proto,
  };
  if (c.services.length > 0) rec.service = c.services.join(',');
  const duration = c.lastTime - c.startTime;
  let origSize: number;
  let respSize: number;
  let state: string;
  if (c.tcp) {
    origSize = c.tcp.orig.size();
    respSize = c.tcp.resp.size();
    state = tcpConnState(c.tcp.orig, c.tcp.resp, c.history, origSize, respSize);
  } else {
    origSize = Math.max(c.origLen, 0);
    respSize = Math.max(c.respLen, 0);
    if (c.proto === 'udp') {
      state = c.origLen >= 0 ? (c.respLen >= 0 ? 'SF' : 'S0') : c.respLen >= 0 ? 'SHR' : 'OTH';
    } else {
      state = 'OTH';
    }
  }
  if (duration > 0) {
    rec.duration = duration;
    rec.orig_bytes = origSize;
    rec.resp_bytes = respSize;
  }
  rec.conn_state = state;
  const nets = opts.localNets;
  if (nets) {
    rec.local_orig = nets.contains(c.origAddrBytes);
    rec.local_resp = nets.contains(c.respAddrBytes);
  }
  rec.missed_bytes = c.missedBytes;
  if (c.history) rec.history = c.history;
  rec.orig_pkts = c.origPkts;
  rec.orig_ip_bytes = c.origIpBytes;
  rec.resp_pkts = c.respPkts;
  rec.resp_ip_bytes = c.respIpBytes;
  if (c.tunnelParents && c.tunnelParents.size > 0) rec.tunnel_parents = [...c.tunnelParents];
  rec.ip_proto = c.ipProto;
  if (opts.macLogging) {
    if (c.origL2) rec.orig_l2_addr = c.origL2;
    if (c.respL2) rec.resp_l2_addr = c.respL2;
  }
  return rec;
}

/** conn_state from base/protocols/conn/main.zeek for TCP. */
export function tcpConnState(orig: TcpEndpoint, resp: TcpEndpoint, history: string, origSize: number, respSize: number): string {
  const os = orig.state;
  const rs = resp.state;
  const oInactive = os === ES.Inactive || os === ES.Partial;
  const rInactive = rs === ES.Inactive || rs === ES.Partial;
  if (rs === ES.Reset) {
    if (os === ES.SynSent || os === ES.SynAckSent || (os === ES.Reset && origSize === 0 && respSize === 0)) return 'REJ';
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (os === ES.Reset) {
    if (rInactive) return /^\^?S[^HAFGIQ]*R/.test(history) ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (rs === ES.Closed && os === ES.Closed) return 'SF';
  if (os === ES.Closed) return rInactive ? 'SH' : 'S2';
  if (rs === ES.Closed) return oInactive ? 'SHR' : 'S3';
  if (os === ES.SynSent && rs === ES.Inactive) return 'S0';
  if (os === ES.Established && rs === ES.Established) return 'S1';
  return 'OTH';
}
