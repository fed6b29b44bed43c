/**
 * FTP control connections into ftp.log (Zeek's base/protocols/ftp semantics): commands are queued
 * and paired with their final replies; a row is written for the commands of FTP::logged_commands
 * (APPE DELE RETR STOR STOU ACCT PORT PASV EPRT EPSV, plus any configured extra). PORT/EPRT and
 * the 227/229 replies to PASV/EPSV set `data_channel.*` and announce the data connection, which
 * then gets the service `ftp-data` and a files.log record (source FTP_DATA). AUTH TLS answered
 * by 234 hands the connection over to the TLS analyzer (service "ftp,ssl").
 */
import { isIPv6 } from 'node:net';
import { FileTransfer } from './files.js';
import { connId, LineSplitter, type AppAnalyzer, type AppContext } from './framework.js';

const DEFAULT_LOGGED: ReadonlySet<string> = new Set(['APPE', 'DELE', 'RETR', 'STOR', 'STOU', 'ACCT', 'PORT', 'PASV', 'EPRT', 'EPSV']);
const FILE_COMMANDS: ReadonlySet<string> = new Set(['APPE', 'RETR', 'STOR', 'STOU']);
const GUEST_IDS: ReadonlySet<string> = new Set(['anonymous', 'ftp', 'ftpuser', 'guest']);
const MAX_LINE = 4096;
const MAX_PENDING = 32;
/** how long an announced data channel is expected (Zeek: 5 min) */
const DATA_CHANNEL_WAIT = 300;

interface PendingCmd {
  ts: number;
  cmd: string;
  arg: string;
}

interface DataChannel {
  passive: boolean;
  origH: string;
  respH: string;
  respP: number;
}

/** "h1,h2,h3,h4,p1,p2" anywhere in the text (PORT arguments, 227 replies) */
function parseHostPort(s: string): { h: string; p: number } | null {
  const m = /(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})/.exec(s);
  if (!m) return null;
  const n = m.slice(1).map(Number);
  if (n.some((x) => x > 255)) return null;
  return { h: `${n[0]}.${n[1]}.${n[2]}.${n[3]}`, p: n[4]! * 256 + n[5]! };
}

/** EPRT "|1|addr|port|" or a 229 reply "(|||port|)": delimiter, protocol, address, port */
function parseExtended(s: string): { h: string | null; p: number } | null {
  const m = /([!-~])(\d?)\1([^!-~\s]*|[0-9a-fA-F:.]*)\1(\d{1,5})\1/.exec(s);
  if (!m) return null;
  const p = Number(m[4]);
  if (p > 65535) return null;
  return { h: m[3] ? m[3] : null, p };
}

export class FtpAnalyzer implements AppAnalyzer {
  readonly name = 'ftp';
  private readonly orig: LineSplitter;
  private readonly resp: LineSplitter;
  private readonly pending: PendingCmd[];
  private readonly logged: Set<string>;
  private user = '<unknown>';
  private password: string | undefined;
  private capturePassword = false;
  private cwd = '.';
  private fileSize: number | undefined;
  private dataChannel: DataChannel | undefined;
  private confirmed = false;
  /** after AUTH TLS/234 the TLS analyzer owns the connection */
  private handedOver = false;
  private authTlsPending = false;
  private badReplies = 0;

  constructor(private readonly ctx: AppContext) {
    this.orig = new LineSplitter(MAX_LINE, (l) => this.request(l));
    this.resp = new LineSplitter(MAX_LINE, (l) => this.reply(l));
    // the server's greeting answers the connection establishment, logged as "<init>"
    this.pending = [{ ts: ctx.conn.now(), cmd: '<init>', arg: '' }];
    this.logged = new Set([...DEFAULT_LOGGED, ...ctx.shared.opts.ftpLoggedCommands]);
  }

  stream(isOrig: boolean, data: Buffer): void {
    if (this.handedOver) return;
    const splitter = isOrig ? this.orig : this.resp;
    const used = splitter.feed(data, () => this.handedOver);
    if (this.handedOver && used < data.length) {
      // bytes after the 234 reply already belong to TLS
      this.tls?.stream?.(isOrig, data.subarray(used));
    }
  }

  private tls: AppAnalyzer | null = null;

  gap(): void {
    // Zeek's line-based analyzers resynchronise at the next line; nothing is kept across a gap.
  }

  private request(line: Buffer): void {
    const text = line.toString('latin1');
    const m = /^\s*(\S+)\s?(.*)$/.exec(text);
    if (!m) return;
    const cmd = m[1]!.toUpperCase();
    const arg = m[2]!;
    if (this.pending.length >= MAX_PENDING) this.pending.shift();
    this.pending.push({ ts: this.ctx.conn.now(), cmd, arg });
    if (cmd === 'USER') {
      this.user = arg;
      if (GUEST_IDS.has(arg.toLowerCase())) this.capturePassword = true;
    } else if (cmd === 'PASS') {
      if (this.capturePassword) this.password = arg;
    } else if (cmd === 'PORT' || cmd === 'EPRT') {
      const d = cmd === 'PORT' ? parseHostPort(arg) : parseExtended(arg);
      if (d && d.h) {
        const c = this.ctx.conn;
        this.expectDataChannel({ passive: false, origH: c.respH, respH: d.h, respP: d.p });
      }
    } else if (cmd === 'AUTH' && arg.toUpperCase().startsWith('TLS') || (cmd === 'AUTH' && arg.toUpperCase().startsWith('SSL'))) {
      this.authTlsPending = true;
    }
  }

  private expectDataChannel(d: DataChannel): void {
    this.dataChannel = d;
    this.ctx.shared.expectConnection(d.origH, d.respH, d.respP, 'ftp-data', this.ctx.conn.now() + DATA_CHANNEL_WAIT);
  }

  private reply(line: Buffer): void {
    const text = line.toString('latin1');
    const m = /^(\d{3})([ -]?)(.*)$/.exec(text);
    if (!m) {
      // continuation text of a multi-line reply, or not FTP at all
      if (!this.confirmed && ++this.badReplies > 2) this.ctx.violation(this, 'not an FTP reply');
      return;
    }
    const code = Number(m[1]);
    if (m[2] === '-') return; // a multi-line reply goes on; its final line carries the code again
    const msg = m[3]!;
    if (!this.confirmed) {
      this.confirmed = true;
      this.ctx.confirm(this);
    }
    const cmd = this.pending[0];
    if (!cmd) return;
    if (code === 150 && cmd.cmd === 'RETR') this.fileSize = leadingCount(msg);
    else if (code === 213 && cmd.cmd === 'SIZE') this.fileSize = leadingCount(msg);
    if ((code === 227 && cmd.cmd === 'PASV') || (code === 229 && cmd.cmd === 'EPSV')) {
      const c = this.ctx.conn;
      const d = code === 227 ? parseHostPort(msg) : parseExtended(msg);
      if (d) this.expectDataChannel({ passive: true, origH: c.origH, respH: d.h && d.h !== '::' ? d.h : c.respH, respP: d.p });
    }
    if (code >= 100 && code < 200) return; // preliminary: the command waits for its final reply
    if (cmd.cmd === 'CWD' && code >= 200 && code < 300) this.cwd = buildPath(this.cwd, cmd.arg);
    else if (cmd.cmd === 'CDUP' && code === 250) this.cwd += '/..';
    this.pending.shift();
    if (this.logged.has(cmd.cmd)) this.write(cmd, code, msg);
    this.fileSize = undefined;
    this.dataChannel = undefined;
    if (this.authTlsPending && cmd.cmd === 'AUTH') {
      this.authTlsPending = false;
      if (code === 234) {
        this.handedOver = true;
        this.tls = this.ctx.attach('ssl');
      }
    }
  }

  private write(cmd: PendingCmd, code: number, msg: string): void {
    const c = this.ctx.conn;
    const rec: Record<string, unknown> = { ts: cmd.ts, uid: c.uid, ...connId(c), user: this.user };
    if (this.password !== undefined) rec.password = this.password;
    rec.command = cmd.cmd;
    let arg = cmd.arg;
    if (FILE_COMMANDS.has(cmd.cmd)) {
      const host = isIPv6(c.respH) ? `[${c.respH}]` : c.respH;
      const p = buildPath(this.cwd, arg);
      arg = `ftp://${host}${p.startsWith('/') ? '' : '/'}${p}`;
    }
    if (arg !== '') rec.arg = arg;
    if (this.fileSize !== undefined) rec.file_size = this.fileSize;
    rec.reply_code = code;
    rec.reply_msg = msg;
    const d = this.dataChannel;
    if (d) {
      rec['data_channel.passive'] = d.passive;
      rec['data_channel.orig_h'] = d.origH;
      rec['data_channel.resp_h'] = d.respH;
      rec['data_channel.resp_p'] = d.respP;
    }
    c.emit('ftp', rec);
  }

  end(): void {}
}

function leadingCount(msg: string): number | undefined {
  const m = /\d+/.exec(msg);
  return m ? Number(m[0]) : undefined;
}

function buildPath(cwd: string, arg: string): string {
  if (arg.startsWith('/')) return arg;
  return cwd === '' ? arg : `${cwd}/${arg}`;
}

/**
 * An announced FTP data connection: confirms `ftp-data` and reports what it carries as a file
 * (the direction that sends data; hashed incrementally, never buffered).
 */
export class FtpDataAnalyzer implements AppAnalyzer {
  readonly name = 'ftp-data';
  private file: FileTransfer | null = null;
  private confirmed = false;

  constructor(private readonly ctx: AppContext) {}

  /** the expectation is the confirmation (done on first use: the dispatcher attaches after construction) */
  private confirm(): void {
    if (this.confirmed) return;
    this.confirmed = true;
    this.ctx.confirm(this);
  }

  stream(isOrig: boolean, data: Buffer): void {
    this.confirm();
    if (data.length === 0) return;
    this.file ??= new FileTransfer(this.ctx, 'FTP_DATA', isOrig, null);
    if (this.file.isOrig === isOrig) this.file.data(data);
  }

  gap(isOrig: boolean, len: number): void {
    if (this.file && this.file.isOrig === isOrig) this.file.gap(len);
  }

  end(): void {
    this.confirm();
    this.file?.finish();
    this.file = null;
  }
}
