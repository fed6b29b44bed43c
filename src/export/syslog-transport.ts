// Syslog transports: UDP (one message per datagram, RFC 5426), TCP and Unix stream sockets with
// octet-counting framing (RFC 6587 3.4.1, what rsyslog's imtcp and imptcp read). A stream transport
// resolves a batch only when the socket has taken it, so a receiver that stops reading holds the
// queue back instead of growing Node's write buffer.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, isIPv6, type Socket } from 'node:net';
import type { Transport } from './queue.js';

const CONNECT_TIMEOUT_MS = 5000;

export class UdpTransport implements Transport<string> {
  readonly description: string;
  private socket: UdpSocket | null = null;

  constructor(private readonly host: string, private readonly port: number) {
    this.description = `${host}:${port}/udp`;
  }

  async send(batch: readonly string[]): Promise<void> {
    this.socket ??= createSocket(isIPv6(this.host) ? 'udp6' : 'udp4');
    const s = this.socket;
    // UDP has no acknowledgement: a datagram sent is a datagram delivered as far as we can know.
    for (const msg of batch) {
      await new Promise<void>((resolve, reject) => s.send(msg, this.port, this.host, (err) => (err ? reject(err) : resolve())));
    }
  }

  close(): void { this.socket?.close(); this.socket = null; }
}

/** TCP (host and port) or a Unix stream socket (path). */
export class StreamTransport implements Transport<string> {
  readonly description: string;
  private socket: Socket | null = null;
  private closed = false;

  constructor(private readonly target: { host: string; port: number } | { path: string }) {
    this.description = 'path' in target ? `unix:${target.path}` : `${target.host}:${target.port}/tcp`;
  }

  private open(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const s = 'path' in this.target ? connect({ path: this.target.path }) : connect({ host: this.target.host, port: this.target.port });
      const timer = setTimeout(() => s.destroy(new Error('connection timed out')), CONNECT_TIMEOUT_MS);
      const failed = (e: Error): void => { clearTimeout(timer); reject(e); };
      s.once('error', failed);
      s.once('connect', () => { clearTimeout(timer); s.removeListener('error', failed); this.socket = s; resolve(s); });
      // After connecting, an error ends the socket and the next send reconnects.
      s.on('error', () => {});
      s.on('close', () => { if (this.socket === s) this.socket = null; });
      // Nothing is expected back; reading keeps a receiver's close from going unnoticed.
      s.resume();
    });
  }

  async send(batch: readonly string[]): Promise<void> {
    if (this.closed) throw new Error('transport closed');
    const s = await this.open();
    let data = '';
    for (const msg of batch) data += `${Buffer.byteLength(msg)} ${msg}`;
    await new Promise<void>((resolve, reject) => {
      const onClose = (): void => reject(new Error('connection closed'));
      s.once('close', onClose);
      s.write(data, (err) => { s.removeListener('close', onClose); if (err) reject(err); else resolve(); });
    });
  }

  close(): Promise<void> {
    this.closed = true;
    const s = this.socket;
    this.socket = null;
    if (!s || s.destroyed) return Promise.resolve();
    // A graceful end when nothing is pending; a receiver that stopped reading gets the socket destroyed.
    return new Promise((resolve) => {
      if (s.writableLength === 0) { s.once('close', () => resolve()); s.end(); setTimeout(() => s.destroy(), 1000).unref(); }
      else { s.once('close', () => resolve()); s.destroy(); }
    });
  }
}
