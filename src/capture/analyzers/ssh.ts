/**
 * SSH into ssh.log (and software.log): banners, KEXINIT negotiation, the server host key
 * fingerprint, and Zeek's authentication heuristic on encrypted packet sizes (after NEWKEYS the
 * server's first packet is SERVICE_ACCEPT; the next sets the size of a USERAUTH_FAILURE; packets of
 * that size are failed attempts; a packet 16 bytes shorter than SERVICE_ACCEPT is the success).
 */
import { createHash } from 'node:crypto';
import { isPrivateAddress } from '../options.js';
import { BoundedBuffer, connId, type AppAnalyzer, type AppContext } from './framework.js';
import { emitSoftware } from './software.js';

const MAX_BANNER = 255;
const MAX_PACKET = 35000;


interface Kex {
  kex: string[];
  hostKey: string[];
  cipherCS: string[];
  macCS: string[];
  compCS: string[];
}

function parseKexinit(p: Buffer): Kex | null {
  // byte 20 (msg), 16 cookie, then 10 name-lists
  let off = 17;
  const lists: string[][] = [];
  for (let i = 0; i < 10; i++) {
    if (off + 4 > p.length) return null;
    const len = p.readUInt32BE(off);
    if (off + 4 + len > p.length) return null;
    lists.push(p.toString('latin1', off + 4, off + 4 + len).split(',').filter((x) => x !== ''));
    off += 4 + len;
  }
  return { kex: lists[0]!, hostKey: lists[1]!, cipherCS: lists[2]!, macCS: lists[4]!, compCS: lists[6]! };
}

/** RFC 4253 negotiation: the first client algorithm the server also offers. */
function negotiate(client: string[], server: string[]): string | undefined {
  return client.find((a) => server.includes(a));
}

class Dir {
  bannerBuf = new BoundedBuffer(MAX_BANNER + 2);
  banner: string | null = null;
  pkt = new BoundedBuffer(MAX_PACKET);
  encrypted = false;
  dead = false;
  kex: Kex | null = null;
}

export class SshAnalyzer implements AppAnalyzer {
  readonly name = 'ssh';
  private dirs: [Dir, Dir] = [new Dir(), new Dir()];
  private ts: number;
  private hostKey: string | null = null;
  private authSuccess: boolean | null = null;
  private authAttempts = 0;
  private serviceAcceptSize = 0;
  private failureSize = 0;
  private decided = false;
  private confirmed = false;
  private logged = false;

  constructor(private readonly ctx: AppContext) {
    this.ts = ctx.conn.now();
  }

  flip(): void {
    this.dirs = [this.dirs[1], this.dirs[0]];
  }

  stream(isOrig: boolean, data: Buffer): void {
    const d = this.dirs[isOrig ? 0 : 1];
    if (d.dead) return;
    let off = 0;
    while (d.banner === null && off < data.length) {
      const nl = data.indexOf(10, off);
      const end = nl < 0 ? data.length : nl + 1;
      if (!d.bannerBuf.append(data.subarray(off, end))) {
        // a server may send other lines before its banner: only SSH- lines count
        if (!isOrig && !d.bannerBuf.view().toString('latin1').startsWith('SSH-')) {
          d.bannerBuf.clear();
          off = nl < 0 ? data.length : nl + 1;
          continue;
        }
        d.dead = true;
        if (!this.confirmed) this.ctx.violation(this, 'banner too long');
        return;
      }
      off = end;
      if (nl < 0) return;
      const line = d.bannerBuf.view().toString('latin1').replace(/\r?\n$/, '');
      d.bannerBuf.clear();
      if (line.startsWith('SSH-')) {
        d.banner = line;
        if (this.ts === 0) this.ts = this.ctx.conn.now();
      } else if (isOrig) {
        d.dead = true;
        this.ctx.violation(this, 'no SSH banner');
        return;
      }
    }
    if (off < data.length) this.binary(isOrig, d, data.subarray(off));
  }

  gap(isOrig: boolean): void {
    const d = this.dirs[isOrig ? 0 : 1];
    d.dead = true;
  }

  private binary(isOrig: boolean, d: Dir, data: Buffer): void {
    if (d.encrypted) {
      this.encrypted(isOrig, data.length);
      return;
    }
    if (!d.pkt.append(data)) {
      d.dead = true;
      return;
    }
    for (;;) {
      const v = d.pkt.view();
      if (v.length < 6) return;
      const len = v.readUInt32BE(0);
      if (len < 2 || len > MAX_PACKET - 4) {
        d.dead = true;
        d.pkt.clear();
        return;
      }
      if (v.length < 4 + len) return;
      const pad = v[4]!;
      const payload = v.subarray(5, Math.max(5, 4 + len - pad));
      this.message(isOrig, d, payload);
      if (d.encrypted) {
        // Whatever follows NEWKEYS in the same segment is encrypted; like Zeek, only later
        // segments count for the authentication heuristic.
        d.pkt.clear();
        return;
      }
      d.pkt.consume(4 + len);
    }
  }

  private message(isOrig: boolean, d: Dir, p: Buffer): void {
    if (p.length === 0) return;
    switch (p[0]) {
      case 20:
        d.kex = parseKexinit(p);
        break;
      case 21: // NEWKEYS
        d.encrypted = true;
        d.pkt.clear();
        if (!this.confirmed && this.dirs[0].banner && this.dirs[1].banner) {
          this.confirmed = true;
          this.ctx.confirm(this);
        }
        break;
      case 31: // KEXDH_REPLY / KEX_ECDH_REPLY / GEX_GROUP (its first field is not a key)
      case 33: // KEX_DH_GEX_REPLY
        // Zeek reads the host key only once both KEXINITs told it which exchange is running
        if (!isOrig && this.hostKey === null && p.length >= 5 && this.dirs[0].kex && this.dirs[1].kex) {
          const klen = p.readUInt32BE(1);
          if (klen > 0 && 5 + klen <= p.length) {
            const blob = p.subarray(5, 5 + klen);
            // GEX_GROUP (31 in the group-exchange methods) carries a prime, not a key blob
            const looksLikeKey = klen >= 4 && blob.readUInt32BE(0) < 64 && /^[a-z]/.test(blob.toString('latin1', 4, 5));
            if (looksLikeKey) this.hostKey = createHash('md5').update(blob).digest('hex').replace(/(..)(?!$)/g, '$1:');
          }
        }
        break;
    }
  }

  private encrypted(isOrig: boolean, len: number): void {
    if (this.decided || isOrig || len === 0) return;
    if (this.version() !== 2) return;
    if (this.serviceAcceptSize === 0) {
      this.serviceAcceptSize = len;
      return;
    }
    if (this.failureSize === 0 && len + 16 === this.serviceAcceptSize) {
      this.success();
      return;
    }
    if (this.failureSize === 0) {
      this.failureSize = len;
      return;
    }
    if (len === this.failureSize) {
      this.authSuccess = false;
      this.authAttempts++;
      return;
    }
    if (len - this.serviceAcceptSize === -16) this.success();
  }

  private success(): void {
    this.decided = true;
    this.authSuccess = true;
    this.authAttempts++;
  }

  private version(): number | null {
    const c = this.dirs[0].banner;
    const s = this.dirs[1].banner;
    if (!c || !s) return null;
    const two = (b: string): boolean => b.startsWith('SSH-2.') || b.startsWith('SSH-1.99');
    if (two(c) && two(s)) return 2;
    if (!c.startsWith('SSH-2.') && !s.startsWith('SSH-2.')) return 1;
    return null;
  }

  end(): void {
    if (this.logged) return;
    this.logged = true;
    const [cd, sd] = this.dirs;
    if (!cd.banner && !sd.banner) return;
    const c = this.ctx.conn;
    const rec: Record<string, unknown> = { ts: this.ts, uid: c.uid, ...connId(c) };
    const v = this.version();
    if (v !== null) rec.version = v;
    if (this.authSuccess !== null) rec.auth_success = this.authSuccess;
    rec.auth_attempts = this.authAttempts;
    const ol = isPrivateAddress(c.origH);
    const rl = isPrivateAddress(c.respH);
    if (ol && !rl) rec.direction = 'OUTBOUND';
    else if (!ol && rl) rec.direction = 'INBOUND';
    if (cd.banner) rec.client = cd.banner;
    if (sd.banner) rec.server = sd.banner;
    const ck = cd.kex;
    const sk = sd.kex;
    if (ck && sk) {
      const set = (k: string, val: string | undefined): void => {
        if (val !== undefined) rec[k] = val;
      };
      set('cipher_alg', negotiate(ck.cipherCS, sk.cipherCS));
      set('mac_alg', negotiate(ck.macCS, sk.macCS));
      set('compression_alg', negotiate(ck.compCS, sk.compCS));
      set('kex_alg', negotiate(ck.kex, sk.kex));
      set('host_key_alg', negotiate(ck.hostKey, sk.hostKey));
    }
    if (this.hostKey) rec.host_key = this.hostKey;
    c.emit('ssh', rec);
    // software.log: SSH::CLIENT / SSH::SERVER from the banners' software part
    for (const [banner, type, host, port] of [
      [cd.banner, 'SSH::CLIENT', c.origH, undefined],
      [sd.banner, 'SSH::SERVER', c.respH, c.respP],
    ] as const) {
      if (!banner) continue;
      const sw = banner.replace(/^SSH-[\d.]+-/, '');
      if (sw && this.ctx.shared.noteSoftware(`${host}|${type}|${sw}`)) emitSoftware(this.ctx, host, port, type, sw);
    }
  }
}
