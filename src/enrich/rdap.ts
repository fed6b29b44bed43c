// RDAP (RFC 9083) domain lookups over HTTP(S): the registration date of a domain, from the
// `events` entry whose eventAction is "registration". Used by the optional online domain ages.
import { parseCreationDate } from './domain-age-dates.js';

/** Largest RDAP answer read (real answers are a few kB). */
const MAX_BODY = 1 << 20;

/** `{domain}` in the template is replaced; without it the domain is appended after a slash. */
export function rdapUrl(template: string, domain: string): string {
  if (template.includes('{domain}')) return template.replaceAll('{domain}', encodeURIComponent(domain));
  return template.endsWith('/') ? template + encodeURIComponent(domain) : `${template}/${encodeURIComponent(domain)}`;
}

/** The registration date (epoch seconds) in an RDAP domain object; throws when there is none. */
export function rdapRegistration(body: string): number {
  let doc: unknown;
  try { doc = JSON.parse(body); } catch { throw new Error('the RDAP answer is not JSON'); }
  const events = (doc as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) throw new Error('the RDAP answer has no events');
  for (const e of events as { eventAction?: unknown; eventDate?: unknown }[]) {
    if (e?.eventAction !== 'registration' || typeof e.eventDate !== 'string') continue;
    const t = parseCreationDate(e.eventDate);
    if (t === undefined) throw new Error(`the RDAP registration date is not a date: ${e.eventDate.slice(0, 60)}`);
    return t;
  }
  throw new Error('the RDAP answer has no registration event');
}

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY) { await reader.cancel(); throw new Error('the RDAP answer is too large'); }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Registration date of a domain (epoch seconds); null when the server does not know the domain
 * (404); throws on timeouts, other HTTP errors and malformed answers.
 */
export async function rdapCreationDate(template: string, domain: string, timeoutMs: number): Promise<number | null> {
  const res = await fetch(rdapUrl(template, domain), {
    headers: { accept: 'application/rdap+json, application/json' }, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs),
  }).catch((e: unknown) => {
    const err = e as Error;
    throw new Error(err.name === 'TimeoutError' ? `RDAP lookup timed out after ${timeoutMs} ms` : `RDAP lookup failed: ${err.message}`);
  });
  if (res.status === 404) { await res.body?.cancel(); return null; }
  if (!res.ok) { await res.body?.cancel(); throw new Error(`RDAP server answered HTTP ${res.status}`); }
  const body = await readCapped(res).catch((e: unknown) => {
    const err = e as Error;
    throw new Error(err.name === 'TimeoutError' ? `RDAP lookup timed out after ${timeoutMs} ms` : err.message);
  });
  return rdapRegistration(body);
}
