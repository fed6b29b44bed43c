// Remote feed lists (config/TI_feeds.csv, JA3_feeds.csv, SSL_feeds.csv): one feed per line,
// `url,threat_level,['tag1','tag2']` as the original. `#` starts a comment; a `;` before the URL
// disables the feed (its cached copy is deleted). Tags choose special roles: `tor_exit` makes the
// feed the Tor exit-node list, `top_domains` a top-domains list for the whitelist.
import type { ThreatLevel } from '../evidence/types.js';
import { isThreatLevel } from './ioc-store.js';
import type { FeedRole } from './parsers.js';

export interface FeedSpec {
  url: string;
  threatLevel: ThreatLevel;
  tags: string[];
  role: FeedRole;
  /** Listed with a leading ";": not used, cached copy removed. */
  disabled: boolean;
}

/** Parses a feed list; `role` is what the list file is for (ti, ja3 or ssl). */
export function parseFeedList(text: string, role: 'ti' | 'ja3' | 'ssl'): FeedSpec[] {
  const out: FeedSpec[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const disabled = line.startsWith(';');
    const body = disabled ? line.slice(1).trim() : line;
    const c1 = body.indexOf(',');
    const url = (c1 < 0 ? body : body.slice(0, c1)).trim();
    if (!/^https?:\/\//i.test(url)) continue; // header or garbage
    const rest = c1 < 0 ? '' : body.slice(c1 + 1);
    const c2 = rest.indexOf(',');
    const levelText = (c2 < 0 ? rest : rest.slice(0, c2)).trim().toLowerCase();
    // As the original: an invalid level becomes low.
    const threatLevel: ThreatLevel = isThreatLevel(levelText) ? levelText : 'low';
    const tags = c2 < 0 ? [] : parseTags(rest.slice(c2 + 1));
    let feedRole: FeedRole = role;
    if (tags.includes('tor_exit')) feedRole = 'tor';
    else if (tags.includes('top_domains')) feedRole = 'top_domains';
    out.push({ url, threatLevel, tags, role: feedRole, disabled });
  }
  return out;
}

/** `['a','b c']` (or a bare `a`) -> ["a", "b c"]. Unlike the original, commas inside the list are kept apart, not lost. */
export function parseTags(s: string): string[] {
  const t = s.trim().replace(/^\[/, '').replace(/\]$/, '');
  return t.split(',').map((x) => x.trim().replace(/^['"]|['"]$/g, '').trim()).filter(Boolean);
}
