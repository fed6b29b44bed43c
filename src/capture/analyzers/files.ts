/**
 * File analysis for transferred bodies (HTTP, FTP data): MIME type from the first bytes, sizes,
 * and MD5/SHA1 hashed incrementally (bodies are never buffered), into files.log records.
 */
import { createHash, type Hash } from 'node:crypto';
import { isPrivateAddress } from '../options.js';
import type { AppContext } from './framework.js';


/** bytes kept for MIME sniffing */
const BOF_SIZE = 1024;

/** MIME type from a body's first bytes (a small signature set; Zeek uses its own file signatures). */
export function sniffMime(b: Buffer): string | null {
  if (b.length === 0) return null;
  const starts = (sig: number[], at = 0): boolean => b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);
  if (starts([0x89, 0x50, 0x4e, 0x47])) return 'image/png';
  if (starts([0x47, 0x49, 0x46, 0x38])) return 'image/gif';
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x25, 0x50, 0x44, 0x46])) return 'application/pdf';
  if (starts([0x50, 0x4b, 0x03, 0x04])) return 'application/zip';
  if (starts([0x1f, 0x8b])) return 'application/x-gzip';
  if (starts([0x4d, 0x5a])) return 'application/x-dosexec';
  if (starts([0x7f, 0x45, 0x4c, 0x46])) return 'application/x-executable';
  if (starts([0x46, 0x57, 0x53]) || starts([0x43, 0x57, 0x53]) || starts([0x5a, 0x57, 0x53])) return 'application/x-shockwave-flash';
  if (starts([0x00, 0x00, 0x01, 0x00])) return 'image/x-icon';
  if (starts([0x42, 0x5a, 0x68])) return 'application/x-bzip2';
  if (starts([0x37, 0x7a, 0xbc, 0xaf])) return 'application/x-7z-compressed';
  if (starts([0x52, 0x61, 0x72, 0x21])) return 'application/x-rar';
  if (starts([0xca, 0xfe, 0xba, 0xbe])) return 'application/x-java-applet';
  if (starts([0xd0, 0xcf, 0x11, 0xe0])) return 'application/vnd.ms-office';
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  const head = b.toString('latin1', 0, Math.min(b.length, 512)).replace(/^[\s\ufeff\xef\xbb\xbf]+/, '').toLowerCase();
  if (head.startsWith('<?xml')) {
    if (head.includes('<!doctype html') || head.includes('<html')) return 'text/html';
    return head.includes('<svg') ? 'image/svg+xml' : 'application/xml';
  }
  if (/^<(!doctype html|html|head|body|title|script|iframe|h1|div|table|a |p>|br|!--)/.test(head)) return 'text/html';
  if (/^[{[]\s*["{[\d]/.test(head)) return 'text/json';
  // Text: printable (or UTF-8) throughout the sniffed window.
  let printable = 0;
  const n = Math.min(b.length, BOF_SIZE);
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if ((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13 || c >= 0x80) printable++;
    else return null;
  }
  return printable >= 8 ? 'text/plain' : null;
}

/** One file in transfer. */
export class FileTransfer {
  readonly fuid: string;
  private readonly md5: Hash = createHash('md5');
  private readonly sha1: Hash = createHash('sha1');
  private bof: Buffer[] = [];
  private bofLen = 0;
  seen = 0;
  missing = 0;
  mime: string | null = null;
  private sniffed = false;
  private readonly startTs: number;
  private lastTs: number;

  constructor(
    private readonly ctx: AppContext,
    readonly source: string,
    readonly isOrig: boolean,
    readonly total: number | null,
    /** mime sniffing only makes sense when the file starts at offset 0 */
    private readonly atStart = true,
    readonly filename: string | null = null,
  ) {
    this.fuid = ctx.shared.newFileId();
    this.startTs = ctx.conn.now();
    this.lastTs = this.startTs;
  }

  data(b: Buffer): void {
    if (b.length === 0) return;
    this.seen += b.length;
    this.lastTs = this.ctx.conn.now();
    this.md5.update(b);
    this.sha1.update(b);
    if (!this.sniffed && this.bofLen < BOF_SIZE) {
      const piece = b.subarray(0, BOF_SIZE - this.bofLen);
      this.bof.push(Buffer.from(piece));
      this.bofLen += piece.length;
      if (this.bofLen >= BOF_SIZE) this.sniff();
    }
  }

  gap(len: number): void {
    this.missing += len;
    if (!this.sniffed) this.sniff();
  }

  private sniff(): void {
    this.sniffed = true;
    if (this.atStart) this.mime = sniffMime(Buffer.concat(this.bof));
    this.bof = [];
  }

  /** Finishes the file and writes its files.log record; returns the MIME type. */
  finish(): string | null {
    if (!this.sniffed) this.sniff();
    const c = this.ctx.conn;
    const rec: Record<string, unknown> = {
      ts: this.startTs,
      fuid: this.fuid,
      uid: c.uid,
      ...this.ctx.idFields(),
      source: this.source,
      depth: 0,
      analyzers: ['MD5', 'SHA1'],
    };
    if (this.mime) rec.mime_type = this.mime;
    if (this.filename) rec.filename = this.filename;
    rec.duration = this.lastTs - this.startTs;
    // local_orig: whether the file's sender is local
    rec.local_orig = isPrivateAddress(this.isOrig ? c.origH : c.respH);
    rec.is_orig = this.isOrig;
    rec.seen_bytes = this.seen;
    if (this.total !== null) rec.total_bytes = this.total;
    rec.missing_bytes = this.missing;
    rec.overflow_bytes = 0;
    rec.timedout = false;
    if (this.missing === 0) {
      rec.md5 = this.md5.digest('hex');
      rec.sha1 = this.sha1.digest('hex');
    }
    // Slips reads the transfer's hosts from these (Zeek < 5 columns)
    rec.tx_hosts = [this.isOrig ? c.origH : c.respH];
    rec.rx_hosts = [this.isOrig ? c.respH : c.origH];
    c.emit('files', rec);
    return this.mime;
  }
}
