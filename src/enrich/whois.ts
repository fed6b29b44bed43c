// whois (RFC 3912, TCP port 43) domain lookups: the creation date of a domain from the free-text
// answer. whois.iana.org answers with a referral (`refer:`) to the TLD's server, which is
// followed once; any other configured server is asked directly.
import { connect } from 'node:net';
import { parseCreationDate } from './domain-age-dates.js';

/** Largest whois answer read. */
const MAX_ANSWER = 256 * 1024;

/** Labels registries use for the creation date (Verisign/ICANN, RIPE-style, Nominet, CNNIC, JPRS and others). */
const LABEL = '(?:creation date|created|created on|created date|registered on|registered|registration date|registration time|domain registration date|domain created|record created|domain record activated)';
/** `Label: value`, `Label.....: value` or JPRS' `[Label]   value`. */
const CREATION = new RegExp(`^\\s*(?:\\[${LABEL}\\]|${LABEL}\\s*[:.]+)\\s*(.+?)\\s*$`, 'i');
const REFER = /^\s*refer:\s*(\S+)/im;
const NOT_FOUND = /^\s*(?:no match for|not found|no data found|no entries found|domain not found|%+ no match|no object found|the queried object does not exist)/im;

export interface WhoisServer { host: string; port: number }

/** `host`, `host:port` or `[v6]:port`. */
export function parseWhoisServer(text: string): WhoisServer {
  const t = text.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : 43 };
  const i = t.indexOf(':');
  if (i > 0 && t.indexOf(':', i + 1) < 0) return { host: t.slice(0, i), port: Number(t.slice(i + 1)) || 43 };
  return { host: t, port: 43 };
}

/** What a whois answer says: a creation date, a referral, "not registered", or nothing usable. */
export type WhoisAnswer = { created: number } | { refer: string } | { notFound: true } | { unusable: string };

export function parseWhoisAnswer(text: string): WhoisAnswer {
  const refer = REFER.exec(text);
  if (refer) return { refer: refer[1]! };
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('%') || line.startsWith('#')) continue;
    const m = CREATION.exec(line);
    if (!m) continue;
    const t = parseCreationDate(m[1]!);
    if (t !== undefined) return { created: t };
  }
  if (NOT_FOUND.test(text)) return { notFound: true };
  return { unusable: text.trim() ? 'no creation date in the whois answer' : 'empty whois answer' };
}

/** One whois query: the whole answer text (the server closes the connection when done). */
export function whoisQuery(server: WhoisServer, domain: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const done = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err); else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(() => done(new Error(`whois lookup at ${server.host}:${server.port} timed out after ${timeoutMs} ms`)), timeoutMs);
    const sock = connect({ host: server.host, port: server.port }, () => { sock.write(`${domain}\r\n`); });
    sock.on('data', (b: Buffer) => {
      size += b.length;
      if (size > MAX_ANSWER) { done(new Error('the whois answer is too large')); return; }
      chunks.push(b);
    });
    sock.on('end', () => done(null));
    sock.on('close', () => done(null));
    sock.on('error', (e) => done(new Error(`whois lookup at ${server.host}:${server.port} failed: ${e.message}`)));
  });
}

/**
 * Creation date of a domain (epoch seconds); null when the registry says it is not registered;
 * throws on connection errors, timeouts and answers without a creation date.
 */
export async function whoisCreationDate(server: WhoisServer, domain: string, timeoutMs: number): Promise<number | null> {
  let at = server;
  for (let hop = 0; hop < 2; hop++) {
    const answer = parseWhoisAnswer(await whoisQuery(at, domain, timeoutMs));
    if ('created' in answer) return answer.created;
    if ('notFound' in answer) return null;
    if ('unusable' in answer) throw new Error(`${answer.unusable} from ${at.host}:${at.port}`);
    if (hop === 0) { at = parseWhoisServer(answer.refer); continue; }
  }
  throw new Error(`whois referral loop for ${domain}`);
}
