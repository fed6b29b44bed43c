/**
 * SMTP into smtp.log (Zeek's base/protocols/smtp semantics): one row per mail transaction,
 * written when the server acknowledges the message (reply to "."), when a new MAIL FROM starts
 * while the previous transaction is unwritten, or at the end of the connection, but only if the
 * client did something transactional (MAIL, RCPT, STARTTLS): a session of AUTH attempts alone
 * writes no row, as in Zeek. `last_reply` is the last reply line ("535 5.7.8 ..."), what Slips'
 * BAD_SMTP_LOGIN reads. Message headers (Date, From, To, Cc, Reply-To, Message-ID, In-Reply-To,
 * Subject, X-Originating-IP, Received, X-Mailer/User-Agent) fill the row; bodies are skipped.
 * STARTTLS answered by 220 hands the connection over to the TLS analyzer.
 */
import { isIP } from 'node:net';
import { connId, LineSplitter, type AppAnalyzer, type AppContext } from './framework.js';

const MAX_LINE = 8192;
const MAX_HEADER = 16384;
const MAX_RCPT = 100;

interface Transaction {
  ts: number;
  transDepth: number;
  helo?: string;
  mailfrom?: string;
  rcptto?: string[];
  date?: string;
  from?: string;
  to?: string[];
  cc?: string[];
  replyTo?: string;
  msgId?: string;
  inReplyTo?: string;
  subject?: string;
  xOriginatingIp?: string;
  firstReceived?: string;
  secondReceived?: string;
  lastReply?: string;
  path: string[];
  userAgent?: string;
  tls: boolean;
  hasClientActivity: boolean;
}

const firstEmail = (s: string): string | undefined => {
  const m = /<([^>]*)>/.exec(s) ?? /([^\s<>":;,]+@[^\s<>":;,]+)/.exec(s);
  return m ? m[1] : undefined;
};
const emails = (s: string): string[] => {
  const out: string[] = [];
  for (const part of s.split(',')) {
    const e = firstEmail(part);
    if (e !== undefined && e !== '') out.push(e);
  }
  return out;
};

export class SmtpAnalyzer implements AppAnalyzer {
  readonly name = 'smtp';
  private readonly orig: LineSplitter;
  private readonly resp: LineSplitter;
  private tx: Transaction | null = null;
  private helo: string | undefined;
  private messagesTransferred = 0;
  /** client lines are message content (after DATA until ".") */
  private inData = false;
  private inHeaders = false;
  private header = '';
  private lastCommand = '';
  private starttlsPending = false;
  private handedOver = false;
  private tls: AppAnalyzer | null = null;
  private confirmed = false;
  private badReplies = 0;

  constructor(private readonly ctx: AppContext) {
    this.orig = new LineSplitter(MAX_LINE, (l) => this.clientLine(l));
    this.resp = new LineSplitter(MAX_LINE, (l) => this.reply(l));
  }

  stream(isOrig: boolean, data: Buffer): void {
    if (this.handedOver) return;
    const used = (isOrig ? this.orig : this.resp).feed(data, () => this.handedOver);
    if (this.handedOver && used < data.length) this.tls?.stream?.(isOrig, data.subarray(used));
  }

  gap(isOrig: boolean): void {
    // content lost: a message in transfer cannot be followed reliably
    if (isOrig && this.inData) this.endHeaders();
  }

  private session(): Transaction {
    if (!this.tx) {
      const c = this.ctx.conn;
      this.tx = { ts: c.now(), transDepth: this.messagesTransferred + 1, path: [c.respH, c.origH], tls: false, hasClientActivity: false };
      if (this.helo !== undefined) this.tx.helo = this.helo;
    }
    return this.tx;
  }

  private clientLine(line: Buffer): void {
    if (this.inData) {
      this.dataLine(line);
      return;
    }
    const text = line.toString('latin1');
    const m = /^\s*(\S+)\s?(.*)$/.exec(text);
    if (!m) return;
    const cmd = m[1]!.toUpperCase();
    const arg = m[2]!;
    const tx = this.session();
    this.lastCommand = cmd;
    if (cmd === 'HELO' || cmd === 'EHLO') {
      this.helo = arg;
      tx.helo = arg;
    } else if (cmd === 'RCPT' && /^to:/i.test(arg)) {
      tx.rcptto ??= [];
      for (const a of emails(arg.slice(3))) {
        const addr = a.replace(/ORCPT=rfc822;?/g, '');
        if (tx.rcptto.length < MAX_RCPT && !tx.rcptto.includes(addr)) tx.rcptto.push(addr);
      }
      tx.hasClientActivity = true;
    } else if (cmd === 'MAIL' && /^from:/i.test(arg)) {
      this.flush(); // the previous message, in case its acknowledgement was not seen
      const t = this.session();
      const from = firstEmail(arg.slice(5));
      if (from !== undefined && from !== '') t.mailfrom = from;
      t.hasClientActivity = true;
    } else if (cmd === 'DATA' || cmd === 'BDAT') {
      if (cmd === 'DATA') {
        this.inData = true;
        this.inHeaders = true;
        this.header = '';
      }
    } else if (cmd === 'STARTTLS') {
      this.starttlsPending = true;
    }
  }

  private dataLine(line: Buffer): void {
    if (line.length === 1 && line[0] === 0x2e) {
      this.endHeaders();
      this.inData = false;
      this.lastCommand = '.';
      return;
    }
    if (!this.inHeaders) return;
    const text = line.toString('latin1');
    if (text === '') {
      this.endHeaders();
      return;
    }
    if (/^[ \t]/.test(text)) {
      if (this.header.length + text.length < MAX_HEADER) this.header += ' ' + text.trim();
      return;
    }
    this.header1();
    this.header = text.length < MAX_HEADER ? text : text.slice(0, MAX_HEADER);
  }

  private endHeaders(): void {
    if (!this.inHeaders) return;
    this.header1();
    this.inHeaders = false;
  }

  /** one complete (unfolded) header */
  private header1(): void {
    const h = this.header;
    this.header = '';
    const i = h.indexOf(':');
    if (i <= 0) return;
    const name = h.slice(0, i).trim().toUpperCase();
    const value = h.slice(i + 1).trim();
    const tx = this.session();
    switch (name) {
      case 'MESSAGE-ID': tx.msgId = value; break;
      case 'IN-REPLY-TO': tx.inReplyTo = value; break;
      case 'SUBJECT': tx.subject = value; break;
      case 'FROM': tx.from = value; break;
      case 'REPLY-TO': tx.replyTo = value; break;
      case 'DATE': tx.date = value; break;
      case 'TO': tx.to = [...(tx.to ?? []), ...splitList(value)]; break;
      case 'CC': tx.cc = [...(tx.cc ?? []), ...splitList(value)]; break;
      case 'X-ORIGINATING-IP': {
        const ip = value.replace(/^\[|\]$/g, '');
        if (isIP(ip)) tx.xOriginatingIp = ip;
        break;
      }
      case 'RECEIVED': {
        if (tx.firstReceived !== undefined) tx.secondReceived = tx.firstReceived;
        tx.firstReceived = value;
        const ip = /\[([0-9a-fA-F:.]+)\]/.exec(value)?.[1];
        if (ip && isIP(ip) && tx.path.length < 32) tx.path.push(ip.replace(/^IPv6:/i, ''));
        break;
      }
      case 'X-MAILER':
      case 'USER-AGENT':
      case 'X-USER-AGENT': tx.userAgent = value; break;
      default: break;
    }
  }

  private reply(line: Buffer): void {
    const text = line.toString('latin1');
    const m = /^(\d{3})([ -]?)(.*)$/.exec(text);
    if (!m) {
      if (!this.confirmed && ++this.badReplies > 2) this.ctx.violation(this, 'not an SMTP reply');
      return;
    }
    if (!this.confirmed) {
      this.confirmed = true;
      this.ctx.confirm(this);
    }
    const code = Number(m[1]);
    const tx = this.session();
    tx.lastReply = `${code} ${m[3]}`;
    if (m[2] === '-') return;
    if (this.inData && code !== 354 && this.lastCommand === 'DATA') {
      this.inData = false; // DATA refused: the client does not send a message
      this.inHeaders = false;
    }
    if (this.lastCommand === '.') {
      this.lastCommand = '';
      this.messagesTransferred++;
      this.flush();
    }
    if (this.starttlsPending && this.lastCommand === 'STARTTLS') {
      this.starttlsPending = false;
      if (code === 220) {
        tx.tls = true;
        tx.hasClientActivity = true;
        this.handedOver = true;
        this.tls = this.ctx.attach('ssl');
      }
    }
  }

  /** writes the current transaction if the client did something; the next one starts fresh */
  private flush(): void {
    const tx = this.tx;
    if (!tx || !tx.hasClientActivity) return;
    this.tx = null;
    const c = this.ctx.conn;
    const rec: Record<string, unknown> = { ts: tx.ts, uid: c.uid, ...connId(c), trans_depth: tx.transDepth };
    if (tx.helo !== undefined) rec.helo = tx.helo;
    if (tx.mailfrom !== undefined) rec.mailfrom = tx.mailfrom;
    if (tx.rcptto) rec.rcptto = tx.rcptto;
    if (tx.date !== undefined) rec.date = tx.date;
    if (tx.from !== undefined) rec.from = tx.from;
    if (tx.to) rec.to = tx.to;
    if (tx.cc) rec.cc = tx.cc;
    if (tx.replyTo !== undefined) rec.reply_to = tx.replyTo;
    if (tx.msgId !== undefined) rec.msg_id = tx.msgId;
    if (tx.inReplyTo !== undefined) rec.in_reply_to = tx.inReplyTo;
    if (tx.subject !== undefined) rec.subject = tx.subject;
    if (tx.xOriginatingIp !== undefined) rec.x_originating_ip = tx.xOriginatingIp;
    if (tx.firstReceived !== undefined) rec.first_received = tx.firstReceived;
    if (tx.secondReceived !== undefined) rec.second_received = tx.secondReceived;
    if (tx.lastReply !== undefined) rec.last_reply = tx.lastReply;
    rec.path = tx.path;
    if (tx.userAgent !== undefined) rec.user_agent = tx.userAgent;
    rec.tls = tx.tls;
    c.emit('smtp', rec);
  }

  end(): void {
    this.endHeaders();
    this.lastCommand = 'end';
    this.flush();
  }
}

function splitList(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}
