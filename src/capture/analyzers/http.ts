/**
 * HTTP/1.x over reassembled TCP into http.log (and files.log for bodies), with Zeek's
 * conventions: requests and replies paired in order (pipelining), 1xx replies as info_code,
 * HTTP/0.9 requests and replies, bodies by Content-Length, chunked encoding or until close,
 * body lengths counted, MIME types sniffed from content, bodies hashed and never buffered.
 * Every buffer is bounded: a header line longer than the limit is a protocol error.
 */
import zlib from 'node:zlib';
import { FileTransfer } from './files.js';
import { BoundedBuffer, connId, type AppAnalyzer, type AppContext } from './framework.js';
import { parseRequestLine, unescapeUri } from './http-request-line.js';
import { emitSoftware } from './software.js';

export { parseRequestLine, type RequestLine } from './http-request-line.js';

interface HttpInfo {
  ts: number;
  transDepth: number;
  method?: string;
  host?: string;
  uri?: string;
  referrer?: string;
  version?: string;
  userAgent?: string;
  origin?: string;
  requestBodyLen: number;
  responseBodyLen: number;
  statusCode?: number;
  statusMsg?: string;
  infoCode?: number;
  infoMsg?: string;
  username?: string;
  proxied?: string[];
  origFuids?: string[];
  origMime?: string[];
  origFilenames?: string[];
  respFuids?: string[];
  respMime?: string[];
  respFilenames?: string[];
  /** request is HEAD: its reply has no body */
  isHead: boolean;
}

const enum St {
  FirstLine,
  Headers,
  BodyLength,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailer,
  BodyToEnd,
  /** unparseable: the rest of this direction is ignored */
  Dead,
}

const PROXY_HEADERS: ReadonlySet<string> = new Set(['FORWARDED', 'X-FORWARDED-FOR', 'X-FORWARDED-FROM', 'CLIENT-IP', 'VIA', 'XROXY-CONNECTION', 'PROXY-CONNECTION']);
const STATUS_LINE = /^HTTP\/(\d+\.\d+)[ \t]+(\d{3})(?:[ \t]+(.*))?$/;
/** compressed bodies up to this size are decoded (memory bound per direction) */
const MAX_COMPRESSED = 1 << 20;
const MAX_DECODED = 16 << 20;

/** Undoes gzip/deflate; a broken stream yields what could be decoded, else the raw bytes. */
function decodeBody(raw: Buffer): Buffer {
  const opts = { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: MAX_DECODED };
  try {
    if (raw[0] === 0x1f && raw[1] === 0x8b) return zlib.gunzipSync(raw, opts);
    try {
      return zlib.inflateSync(raw, opts);
    } catch {
      return zlib.inflateRawSync(raw, opts);
    }
  } catch {
    return raw;
  }
}

const KNOWN_09_METHODS: ReadonlySet<string> = new Set(['GET']);

/** One direction's parser. */
class Side {
  st = St.FirstLine;
  line: BoundedBuffer;
  remaining = 0;
  /** bytes of body seen for the current message */
  bodyLen = 0;
  file: FileTransfer | null = null;
  headers: Array<[string, string]> = [];
  contentLength: number | null = null;
  chunked = false;
  contentType: string | null = null;
  filename: string | null = null;
  /** a body is due: the file starts with its first byte */
  pendingFile: { total: number | null; atStart: boolean } | null = null;
  /** the last complete line with its terminator (an HTTP/0.9 reply's first body bytes) */
  rawLine = '';
  /** Content-Encoding to undo (bodies are decoded as Zeek does); compressed bytes are kept up to a cap */
  encoding: string | null = null;
  compressed: BoundedBuffer | null = null;
  constructor(cap: number) {
    this.line = new BoundedBuffer(cap);
  }
  resetMessage(): void {
    this.headers = [];
    this.contentLength = null;
    this.chunked = false;
    this.bodyLen = 0;
    this.file = null;
    this.encoding = null;
    this.compressed = null;
    this.contentType = null;
    this.filename = null;
  }
}

export class HttpAnalyzer implements AppAnalyzer {
  readonly name = 'http';
  private readonly orig: Side;
  private readonly resp: Side;
  /** requests waiting for their reply (pipelining), oldest first */
  private readonly pending: HttpInfo[] = [];
  private depth = 0;
  /** the request currently being received */
  private curReq: HttpInfo | null = null;
  /** the info the reply currently being received belongs to */
  private curResp: HttpInfo | null = null;
  private confirmed = false;
  /** the reply of an HTTP/0.9 request: the whole responder stream is its body */
  private resp09 = false;

  constructor(private readonly ctx: AppContext) {
    const cap = ctx.shared.opts.maxHttpHeader;
    this.orig = new Side(cap);
    this.resp = new Side(cap);
  }

  flip(): void {
    // the parsers are tied to their data, not to the roles: nothing to swap back
  }

  stream(isOrig: boolean, data: Buffer): void {
    const s = isOrig ? this.orig : this.resp;
    let off = 0;
    while (off < data.length && s.st !== St.Dead) {
      switch (s.st) {
        case St.FirstLine:
        case St.Headers:
        case St.ChunkSize:
        case St.ChunkDataEnd:
        case St.Trailer: {
          const nl = data.indexOf(10, off);
          const end = nl < 0 ? data.length : nl + 1;
          if (!s.line.append(data.subarray(off, end))) {
            this.ctx.weird('HTTP_line_too_long', undefined, 'HTTP');
            this.kill(isOrig);
            return;
          }
          off = end;
          if (nl >= 0) {
            let line = s.line.view().toString('latin1');
            s.rawLine = line;
            s.line.clear();
            line = line.replace(/\r?\n$/, '');
            this.lineDone(isOrig, s, line);
          }
          break;
        }
        case St.BodyLength:
        case St.ChunkData: {
          const n = Math.min(s.remaining, data.length - off);
          this.body(isOrig, s, data.subarray(off, off + n));
          off += n;
          s.remaining -= n;
          if (s.remaining === 0) {
            if (s.st === St.ChunkData) s.st = St.ChunkDataEnd;
            else this.messageDone(isOrig, s);
          }
          break;
        }
        case St.BodyToEnd:
          this.body(isOrig, s, data.subarray(off));
          off = data.length;
          break;
      }
    }
  }

  gap(isOrig: boolean, len: number): void {
    const s = isOrig ? this.orig : this.resp;
    if (s.st === St.BodyLength || s.st === St.ChunkData) {
      const n = Math.min(len, s.remaining);
      s.bodyLen += n;
      s.file?.gap(n);
      s.remaining -= n;
      if (s.remaining === 0) {
        if (s.st === St.ChunkData) s.st = St.ChunkDataEnd;
        else this.messageDone(isOrig, s);
      }
      if (len > n) this.kill(isOrig);
    } else if (s.st === St.BodyToEnd) {
      s.bodyLen += len;
      s.file?.gap(len);
    } else {
      // lost header bytes: Zeek's HTTP analyzer gives up on the direction
      this.kill(isOrig);
    }
  }

  private kill(isOrig: boolean): void {
    const s = isOrig ? this.orig : this.resp;
    if (s.st === St.BodyToEnd || s.st === St.BodyLength || s.st === St.ChunkData) this.messageDone(isOrig, s);
    s.st = St.Dead;
    s.line.clear();
  }

  private confirm(): void {
    if (!this.confirmed) {
      this.confirmed = true;
      this.ctx.confirm(this);
    }
  }

  private newInfo(): HttpInfo {
    return { ts: this.ctx.conn.now(), transDepth: ++this.depth, requestBodyLen: 0, responseBodyLen: 0, isHead: false };
  }

  private lineDone(isOrig: boolean, s: Side, line: string): void {
    switch (s.st) {
      case St.FirstLine:
        if (line.trim() === '') return; // blank lines between messages are tolerated
        if (isOrig) this.requestLine(line);
        else this.statusLine(line);
        return;
      case St.Headers:
        if (line === '') this.headersDone(isOrig, s);
        else this.header(isOrig, s, line);
        return;
      case St.ChunkSize: {
        const m = /^\s*([0-9a-fA-F]+)/.exec(line);
        if (!m) {
          this.ctx.weird('HTTP_bad_chunk_size', undefined, 'HTTP');
          this.kill(isOrig);
          return;
        }
        const size = parseInt(m[1]!.slice(-12), 16);
        if (size === 0) s.st = St.Trailer;
        else {
          s.remaining = size;
          s.st = St.ChunkData;
        }
        return;
      }
      case St.ChunkDataEnd:
        s.st = St.ChunkSize;
        return;
      case St.Trailer:
        if (line === '') this.messageDone(isOrig, s);
        return;
    }
  }

  private requestLine(line: string): void {
    const info = this.newInfo();
    this.curReq = info;
    const parsed = parseRequestLine(line);
    if (!parsed.ok) {
      this.ctx.weird(parsed.weird, undefined, 'HTTP');
      this.pending.push(info);
      this.orig.st = St.Dead;
      return;
    }
    info.method = parsed.method;
    info.uri = unescapeUri(parsed.uri);
    if (parsed.uri === '') this.ctx.weird('missing_HTTP_uri', undefined, 'HTTP');
    if (parsed.unknownMethod) this.ctx.weird('unknown_HTTP_method', parsed.method);
    info.version = parsed.version;
    info.isHead = info.method === 'HEAD';
    this.pending.push(info);
    this.confirm();
    if (parsed.version === '0.9') {
      // The reply is the raw responder stream, whatever it looks like.
      if (!KNOWN_09_METHODS.has(parsed.method)) this.ctx.weird('invalid_http_09_request_method', parsed.method, 'HTTP');
      this.resp09 = true;
    }
    this.orig.resetMessage();
    this.orig.st = St.Headers;
  }

  private statusLine(line: string): void {
    const m = this.resp09 ? null : STATUS_LINE.exec(line);
    if (!m) {
      this.startRaw09(line);
      return;
    }
    this.confirm();
    const code = Number(m[2]);
    const reason = (m[3] ?? '').trim();
    let info = this.pending[0];
    if (!info) {
      info = this.newInfo();
      this.pending.push(info);
    }
    this.curResp = info;
    info.version = m[1]!;
    if (code >= 100 && code < 200 && code !== 101) {
      info.infoCode = code;
      info.infoMsg = reason === '' ? '<empty>' : reason;
    } else {
      info.statusCode = code;
      info.statusMsg = reason === '' ? '<empty>' : reason;
    }
    this.resp.resetMessage();
    this.resp.st = St.Headers;
  }

  /** A reply without a status line: HTTP/0.9, the whole stream is the body. */
  private startRaw09(firstLine: string): void {
    let info = this.pending[0];
    if (!info) {
      info = this.newInfo();
      this.pending.push(info);
    }
    this.curResp = info;
    info.version = '0.9';
    info.statusCode = 0;
    info.statusMsg = '<empty>';
    const s = this.resp;
    s.resetMessage();
    s.st = St.BodyToEnd;
    s.pendingFile = { total: null, atStart: true };
    this.body(false, s, Buffer.from(s.rawLine || firstLine, 'latin1'));
  }

  private header(isOrig: boolean, s: Side, line: string): void {
    const colon = line.indexOf(':');
    if (colon <= 0) {
      this.ctx.weird('HTTP_header_without_colon', undefined, 'HTTP');
      return;
    }
    if (s.headers.length >= 256) return;
    const name = line.slice(0, colon).trim().toUpperCase();
    const value = line.slice(colon + 1).trim();
    s.headers.push([name, value]);
    if (name === 'CONTENT-LENGTH') {
      const n = Number(value);
      if (Number.isFinite(n) && n >= 0) s.contentLength = n;
    } else if (name === 'TRANSFER-ENCODING' && /chunked/i.test(value)) s.chunked = true;
    else if (name === 'CONTENT-TYPE') s.contentType = value;
    else if (name === 'CONTENT-ENCODING' && /^(x-)?(gzip|deflate)$/i.test(value)) s.encoding = value.toLowerCase().replace('x-', '');
    else if (name === 'CONTENT-DISPOSITION') {
      const m = /filename\*?=["']?([^"';]+)/i.exec(value);
      if (m) s.filename = m[1]!;
    }
    const info = isOrig ? this.curReq : this.curResp;
    if (!isOrig && name === 'SERVER') this.serverHeader = value;
    if (!info || !isOrig) return;
    switch (name) {
      case 'HOST':
        info.host = value.split(':')[0];
        break;
      case 'REFERER':
        info.referrer = value;
        break;
      case 'USER-AGENT':
        info.userAgent = value;
        break;
      case 'ORIGIN':
        info.origin = value;
        break;
      case 'AUTHORIZATION': {
        const m = /^Basic\s+(\S+)/i.exec(value);
        if (m) {
          const dec = Buffer.from(m[1]!, 'base64').toString('latin1');
          const i = dec.indexOf(':');
          info.username = i >= 0 ? dec.slice(0, i) : dec;
        }
        break;
      }
      default:
        if (PROXY_HEADERS.has(name)) (info.proxied ??= []).push(`${name} -> ${value}`);
    }
  }

  private headersDone(isOrig: boolean, s: Side): void {
    if (!isOrig) {
      const info = this.curResp;
      const code = info?.infoCode !== undefined && info.statusCode === undefined ? info.infoCode : (info?.statusCode ?? 200);
      if (code >= 100 && code < 200) {
        // an interim reply: the real one follows
        s.st = St.FirstLine;
        return;
      }
      if (info?.isHead || code === 204 || code === 304) {
        this.messageDone(false, s);
        return;
      }
    }
    if (s.chunked) {
      this.startFile(isOrig, s, null);
      s.st = St.ChunkSize;
    } else if (s.contentLength !== null) {
      if (s.contentLength === 0) {
        this.messageDone(isOrig, s);
        return;
      }
      this.startFile(isOrig, s, s.contentLength);
      s.remaining = s.contentLength;
      s.st = St.BodyLength;
    } else if (!isOrig) {
      this.startFile(isOrig, s, null);
      s.st = St.BodyToEnd;
    } else {
      this.messageDone(isOrig, s);
    }
  }

  private startFile(isOrig: boolean, s: Side, total: number | null): void {
    const info = isOrig ? this.curReq : this.curResp;
    const partial = !isOrig && info?.statusCode === 206;
    s.file = null;
    s.pendingFile = { total, atStart: !partial };
  }

  private body(isOrig: boolean, s: Side, data: Buffer): void {
    if (data.length === 0) return;
    if (s.encoding) {
      s.compressed ??= new BoundedBuffer(MAX_COMPRESSED);
      if (s.compressed.append(data)) return;
      // too big to decode within the bound: count it as it is
      const kept = Buffer.from(s.compressed.view());
      s.encoding = null;
      s.compressed = null;
      this.body(isOrig, s, kept);
    }
    if (!s.file && s.pendingFile) {
      s.file = new FileTransfer(this.ctx, 'HTTP', isOrig, s.pendingFile.total, s.pendingFile.atStart, s.filename);
      s.pendingFile = null;
    }
    s.bodyLen += data.length;
    s.file?.data(data);
  }

  private messageDone(isOrig: boolean, s: Side): void {
    if (s.encoding && s.compressed) {
      const raw = Buffer.from(s.compressed.view());
      s.encoding = null;
      s.compressed = null;
      this.body(isOrig, s, decodeBody(raw));
    }
    const info = isOrig ? this.curReq : this.curResp;
    s.pendingFile = null;
    if (info) {
      if (isOrig) info.requestBodyLen = s.bodyLen;
      else info.responseBodyLen = s.bodyLen;
      if (s.file) {
        const mime = s.file.finish();
        if (isOrig) {
          (info.origFuids ??= []).push(s.file.fuid);
          if (mime) (info.origMime ??= []).push(mime);
          if (s.filename) (info.origFilenames ??= []).push(s.filename);
        } else {
          (info.respFuids ??= []).push(s.file.fuid);
          if (mime) (info.respMime ??= []).push(mime);
          if (s.filename) (info.respFilenames ??= []).push(s.filename);
        }
      }
    }
    s.resetMessage();
    s.st = St.FirstLine;
    if (!isOrig && info) {
      const i = this.pending.indexOf(info);
      if (i >= 0) this.pending.splice(i, 1);
      this.log(info);
      this.curResp = null;
    }
    if (isOrig) this.curReq = null;
  }

  private log(info: HttpInfo): void {
    const rec: Record<string, unknown> = {
      ts: info.ts,
      uid: this.ctx.conn.uid,
      ...connId(this.ctx.conn),
      trans_depth: info.transDepth,
    };
    if (info.method !== undefined) rec.method = info.method;
    if (info.host !== undefined) rec.host = info.host;
    if (info.uri !== undefined) rec.uri = info.uri;
    if (info.referrer !== undefined) rec.referrer = info.referrer;
    if (info.version !== undefined) rec.version = info.version;
    if (info.userAgent !== undefined) rec.user_agent = info.userAgent;
    if (info.origin !== undefined) rec.origin = info.origin;
    rec.request_body_len = info.requestBodyLen;
    rec.response_body_len = info.responseBodyLen;
    if (info.statusCode !== undefined) rec.status_code = info.statusCode;
    if (info.statusMsg !== undefined) rec.status_msg = info.statusMsg;
    if (info.infoCode !== undefined) rec.info_code = info.infoCode;
    if (info.infoMsg !== undefined) rec.info_msg = info.infoMsg;
    rec.tags = [];
    if (info.username !== undefined) rec.username = info.username;
    if (info.proxied) rec.proxied = info.proxied;
    if (info.origFuids) rec.orig_fuids = info.origFuids;
    if (info.origFilenames) rec.orig_filenames = info.origFilenames;
    if (info.origMime) rec.orig_mime_types = info.origMime;
    if (info.respFuids) rec.resp_fuids = info.respFuids;
    if (info.respFilenames) rec.resp_filenames = info.respFilenames;
    if (info.respMime) rec.resp_mime_types = info.respMime;
    this.ctx.conn.emit('http', rec);
    if (info.userAgent) this.software(info.userAgent);
    if (this.serverHeader) {
      this.softwareServer(this.serverHeader);
      this.serverHeader = null;
    }
  }

  private serverHeader: string | null = null;

  /** software.log: the client's browser (HTTP::BROWSER), once per host and version */
  private software(ua: string): void {
    const host = this.ctx.conn.origH;
    if (!this.ctx.shared.noteSoftware(`${host}|HTTP::BROWSER|${ua}`)) return;
    emitSoftware(this.ctx, host, undefined, 'HTTP::BROWSER', ua);
  }

  private softwareServer(server: string): void {
    const host = this.ctx.conn.respH;
    if (!this.ctx.shared.noteSoftware(`${host}|HTTP::SERVER|${server}`)) return;
    emitSoftware(this.ctx, host, this.ctx.conn.respP, 'HTTP::SERVER', server);
  }

  end(): void {
    // a body running until the connection closes ends now
    for (const [isOrig, s] of [
      [true, this.orig],
      [false, this.resp],
    ] as const) {
      if (s.st === St.BodyToEnd || s.st === St.BodyLength || s.st === St.ChunkData || s.st === St.ChunkSize) {
        this.messageDone(isOrig, s);
      }
    }
    for (const info of this.pending.splice(0)) this.log(info);
  }
}
