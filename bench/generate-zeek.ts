// Generates large, realistic Zeek TSV logs (conn, dns, http, ssl) with many hosts and some attacks,
// deterministically from a seed. Usage: tsx bench/generate-zeek.ts --conn 1000000 --hosts 2000 --out DIR
import { mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mulberry32 as rng } from '../src/util/prng.ts';


class Log {
  private fd: number;
  private buf: string[] = [];
  private size = 0;
  count = 0;
  constructor(path: string, name: string, fields: string[], types: string[]) {
    this.fd = openSync(path, 'w');
    this.raw(['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', `#path\t${name}`,
      '#open\t2024-01-01-00-00-00', `#fields\t${fields.join('\t')}`, `#types\t${types.join('\t')}`].join('\n') + '\n');
  }
  private raw(s: string): void {
    this.buf.push(s); this.size += s.length;
    if (this.size > 1 << 20) { writeSync(this.fd, this.buf.join('')); this.buf = []; this.size = 0; }
  }
  row(values: (string | number)[]): void { this.raw(values.join('\t') + '\n'); this.count++; }
  close(): void { this.raw('#close\t2024-01-01-23-59-59\n'); writeSync(this.fd, this.buf.join('')); closeSync(this.fd); }
}

export interface GenerateOptions { conn: number; hosts: number; out: string; seed?: number; hours?: number }

export function generate(o: GenerateOptions): { records: number } {
  mkdirSync(o.out, { recursive: true });
  const r = rng(o.seed ?? 42);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  let uidN = 0;
  // Unique by construction: the counter in base 36, padded to Zeek's 18 characters.
  const uid = (): string => `C${(++uidN).toString(36).padStart(9, '0')}${Math.floor(r() * 36 ** 8).toString(36).padStart(8, '0')}`;
  const clients = Array.from({ length: o.hosts }, (_, i) => `192.168.${Math.floor(i / 250)}.${(i % 250) + 2}`);
  const servers = Array.from({ length: 5000 }, (_, i) => `${23 + (i % 180)}.${(i * 7) % 256}.${(i * 13) % 256}.${(i % 250) + 1}`);
  const domains = Array.from({ length: 3000 }, (_, i) => `site${i}.example${i % 17}.com`);
  const services: [number, string, string][] = [[443, 'tcp', 'ssl'], [80, 'tcp', 'http'], [53, 'udp', 'dns'], [123, 'udp', '-'], [22, 'tcp', 'ssh'], [993, 'tcp', 'ssl']];
  const states = ['SF', 'SF', 'SF', 'SF', 'S0', 'REJ', 'RSTO', 'OTH', 'SH'];

  const conn = new Log(join(o.out, 'conn.log'), 'conn',
    ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes', 'conn_state', 'local_orig', 'local_resp', 'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'tunnel_parents'],
    ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'string', 'interval', 'count', 'count', 'string', 'bool', 'bool', 'count', 'string', 'count', 'count', 'count', 'count', 'set[string]']);
  const dns = new Log(join(o.out, 'dns.log'), 'dns',
    ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'trans_id', 'rtt', 'query', 'qclass', 'qclass_name', 'qtype', 'qtype_name', 'rcode', 'rcode_name', 'AA', 'TC', 'RD', 'RA', 'Z', 'answers', 'TTLs', 'rejected'],
    ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'count', 'interval', 'string', 'count', 'string', 'count', 'string', 'count', 'string', 'bool', 'bool', 'bool', 'bool', 'count', 'vector[string]', 'vector[interval]', 'bool']);
  const http = new Log(join(o.out, 'http.log'), 'http',
    ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'trans_depth', 'method', 'host', 'uri', 'referrer', 'version', 'user_agent', 'request_body_len', 'response_body_len', 'status_code', 'status_msg', 'resp_mime_types'],
    ['time', 'string', 'addr', 'port', 'addr', 'port', 'count', 'string', 'string', 'string', 'string', 'string', 'string', 'count', 'count', 'count', 'string', 'vector[string]']);
  const ssl = new Log(join(o.out, 'ssl.log'), 'ssl',
    ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'version', 'cipher', 'curve', 'server_name', 'resumed', 'established', 'subject', 'issuer', 'validation_status', 'ja3', 'ja3s'],
    ['time', 'string', 'addr', 'port', 'addr', 'port', 'string', 'string', 'string', 'string', 'bool', 'bool', 'string', 'string', 'string', 'string', 'string']);

  const start = 1_700_000_000;
  const span = (o.hours ?? 6) * 3600; // six one-hour windows by default
  const scanner = clients[0]!, vscanner = clients[1]!, beacon = clients[2]!;
  for (let i = 0; i < o.conn; i++) {
    const ts = (start + (i / o.conn) * span).toFixed(6);
    const kind = r();
    if (kind < 0.01) { // horizontal scan of port 23
      conn.row([ts, uid(), scanner, 40000 + (i % 20000), `45.${(i >> 8) & 255}.${i & 255}.${(i >> 16) & 255}`, 23, 'tcp', '-', '-', '-', '-', 'S0', 'T', 'F', 0, 'S', 1, 60, 0, 0, '-']);
      continue;
    }
    if (kind < 0.015) { // vertical scan
      conn.row([ts, uid(), vscanner, 50000, '203.0.113.9', 1 + (i % 65000), 'tcp', '-', '-', '-', '-', 'REJ', 'T', 'F', 0, 'Sr', 1, 44, 1, 40, '-']);
      continue;
    }
    if (kind < 0.016) { // periodic beacon
      conn.row([ts, uid(), beacon, 51000 + (i % 1000), '198.51.100.77', 8443, 'tcp', '-', '0.2', 320, 1200, 'SF', 'T', 'F', 0, 'ShADadFf', 6, 640, 5, 1500, '-']);
      continue;
    }
    const c = pick(clients), s = pick(servers), [port, proto, svc] = kind < 0.02 ? [4000 + Math.floor(r() * 3000), 'tcp', '-'] as [number, string, string] : pick(services);
    const st = pick(states);
    const est = st === 'SF' || st === 'RSTO' || st === 'OTH';
    const dur = kind > 0.9999 ? (2000 + r() * 4000).toFixed(6) : est ? (r() * 30).toFixed(6) : '-';
    const ob = est ? Math.floor(r() * 4000) : 0, rb = est ? Math.floor(r() * 60000) : 0;
    const u = uid(), sp = 1024 + Math.floor(r() * 60000);
    conn.row([ts, u, c, sp, s, port, proto, svc, dur, est ? ob : '-', est ? rb : '-', st, 'T', 'F', 0, est ? 'ShADadFf' : 'S', 4, ob + 200, 4, rb + 200, '-']);
    if (svc === 'dns' || (kind > 0.5 && kind < 0.7)) {
      const d = pick(domains);
      dns.row([ts, u, c, sp, '192.168.0.1', 53, 'udp', Math.floor(r() * 65535), '0.01', d, 1, 'C_INTERNET', 1, 'A', 0, kind > 0.69 ? 'NXDOMAIN' : 'NOERROR', 'F', 'F', 'T', 'T', 0, kind > 0.69 ? '-' : s, kind > 0.69 ? '-' : '300.0', 'F']);
    } else if (svc === 'http') {
      http.row([ts, u, c, sp, s, port, 1, 'GET', pick(domains), `/path/${i % 977}`, '-', '1.1', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36', 0, rb, 200, 'OK', 'text/html']);
    } else if (svc === 'ssl') {
      const d = pick(domains);
      ssl.row([ts, u, c, sp, s, port, 'TLSv13', 'TLS_AES_128_GCM_SHA256', 'x25519', d, 'F', 'T', `CN=${d}`, 'CN=Example CA', 'ok', 'b32309a26951912be7dba376398abc3b', '-']);
    }
  }
  for (const l of [conn, dns, http, ssl]) l.close();
  return { records: conn.count + dns.count + http.count + ssl.count };
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!);
if (isMain) {
  const { values } = parseArgs({ options: { conn: { type: 'string', default: '1000000' }, hosts: { type: 'string', default: '2000' },
    out: { type: 'string', default: 'bench/data/zeek-1m' }, seed: { type: 'string', default: '42' },
    hours: { type: 'string', default: '6' } } });
  const t0 = performance.now();
  const res = generate({ conn: Number(values.conn), hosts: Number(values.hosts), out: values.out!, seed: Number(values.seed), hours: Number(values.hours) });
  console.log(`generated ${res.records} records in ${values.out} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
