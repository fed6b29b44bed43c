// Debian's rsyslogd for the syslog tests: its own config, ports and folder, listening on loopback
// UDP and TCP and on a Unix stream socket (imptcp), parsing structured data (mmpstrucdata) and
// writing every message it received as one JSON line. Stopped by the caller's t.after.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/run.ts';
import { freePort, waitFor } from './lib.ts';

export interface Received {
  pri: string; timestamp: string; hostname: string; app: string; procid: string; msgid: string; sd: string; msg: string;
  input: string; parsed: string;
}

export const haveRsyslog = (): boolean => spawnSync('rsyslogd', ['-v'], { encoding: 'utf8' }).status === 0;

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const canConnect = (port: number): Promise<boolean> => new Promise((resolve) => {
  const c = connect({ host: '127.0.0.1', port }, () => { c.destroy(); resolve(true); });
  c.on('error', () => resolve(false));
});

export class Rsyslog {
  readonly dir = tempDir('slips-rsyslog-');
  readonly socket = join(this.dir, 'slips.sock');
  readonly messages = join(this.dir, 'messages.jsonl');
  udpPort = 0;
  tcpPort = 0;
  private child: ChildProcess | null = null;
  private log = '';

  async start(): Promise<void> {
    this.udpPort = await freeUdpPort();
    this.tcpPort = await freePort();
    const conf = join(this.dir, 'rsyslog.conf');
    writeFileSync(conf, `global(workDirectory="${this.dir}" maxMessageSize="64k")
module(load="imudp")
module(load="imtcp")
module(load="imptcp")
module(load="mmpstrucdata")
template(name="received" type="list" option.jsonf="on") {
  property(outname="pri" name="pri" format="jsonf")
  property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="app" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="sd" name="structured-data" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
  property(outname="input" name="inputname" format="jsonf")
  property(outname="parsed" name="$!rfc5424-sd" format="jsonf")
}
ruleset(name="slips") {
  action(type="mmpstrucdata")
  action(type="omfile" file="${this.messages}" template="received")
}
input(type="imudp" address="127.0.0.1" port="${this.udpPort}" ruleset="slips")
input(type="imtcp" address="127.0.0.1" port="${this.tcpPort}" ruleset="slips")
input(type="imptcp" path="${this.socket}" ruleset="slips")
`);
    this.child = spawn('rsyslogd', ['-n', '-f', conf, '-i', join(this.dir, 'rsyslogd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => { this.log += d.toString(); });
    this.child.stderr!.on('data', (d: Buffer) => { this.log += d.toString(); });
    let ready = false;
    const end = Date.now() + 15_000;
    while (!ready && Date.now() < end && this.child.exitCode === null) {
      ready = existsSync(this.socket) && await canConnect(this.tcpPort);
      if (!ready) await new Promise((r) => setTimeout(r, 50));
    }
    if (!ready) throw new Error(`rsyslogd did not start: ${this.log}`);
  }

  /** Messages received so far. */
  received(): Received[] {
    if (!existsSync(this.messages)) return [];
    return readFileSync(this.messages, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Received);
  }

  /** Waits until `n` messages from `input` (imudp, imtcp, imptcp) arrived, or 30 s. */
  async waitFor(input: string, n: number): Promise<Received[]> {
    await waitFor(() => this.received().filter((m) => m.input === input).length >= n, 30);
    return this.received().filter((m) => m.input === input);
  }

  async stop(): Promise<void> {
    const c = this.child;
    this.child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => { c.once('exit', () => resolve()); c.kill('SIGTERM'); setTimeout(() => c.kill('SIGKILL'), 5000).unref(); });
  }
}
