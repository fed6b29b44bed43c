// Domain ages for YOUNG_DOMAIN (spec detections §2.2.7, §9 "Domain info"). Two kinds of source:
//  * a local file of `domain,creation_date` lines (ip_info.domain_ages_file): offline and
//    deterministic;
//  * optional online lookups (ip_info.online_domain_age, off by default): RDAP first, whois as the
//    fallback, in the background. `ageDays` answers from the cache or starts a lookup and answers
//    undefined; DNS flows asked about meanwhile are remembered (bounded) and reported when the
//    date arrives, with their own traffic time, on the detector's next DNS flow.
// Ages are counted from the creation date to the flow's traffic time, never to the wall clock.
import { readFileSync } from 'node:fs';
import { getDomain, parse as parseHost } from 'tldts';
import type { DnsFlow } from '../flows/types.js';
import type { Settings } from '../config/config.js';
import type { ServiceLog } from '../ti/setup.js';
import { parseCreationDate } from './domain-age-dates.js';
import { rdapCreationDate } from './rdap.js';
import { parseWhoisServer, whoisCreationDate } from './whois.js';
import { BoundedMap } from '../util/bounded-map.js';

const DAY = 86400;

/** Age in days of a domain created at `created` (epoch s) at traffic time `now`; undefined before its creation. */
const ageAt = (created: number, now: number): number | undefined => (now >= created ? (now - created) / DAY : undefined);

/** Where a domain's age comes from (this module); none is configured by default. */
export interface DomainAgeSource {
  /** Age in days at traffic time `now`, or undefined when not known (yet). */
  ageDays(domain: string, now: number): number | undefined;
  /** Asynchronous sources: keep a flow whose domain's age is being looked up. */
  remember?(domain: string, flow: DnsFlow): void;
  /** Asynchronous sources: the kept flows (from `since` on) whose age arrived, with that age at their time. */
  takeArrived?(since: number, report: (flow: DnsFlow, ageDays: number) => void): void;
}

/** Lower case, no trailing dot. */
const normalise = (domain: string): string => {
  const d = domain.toLowerCase();
  return d.endsWith('.') ? d.slice(0, -1) : d;
};

/** YOUNG_DOMAIN runs at all (flow_alerts not disabled, the detection not disabled). */
export function youngDomainWanted(settings: Settings): boolean {
  const off = settings.disabledModules.some((m) => m.toLowerCase().replace(/[_\-\s]/g, '') === 'flowalerts');
  return !off && !settings.disabledDetections.has('YOUNG_DOMAIN');
}

// ---- local file ------------------------------------------------------------------------------

/**
 * Creation dates from a local file: one `domain,creation_date` (or tab-separated) line each;
 * `#` comments, blank lines and a header line are ignored. Dates: ISO 8601 (UTC unless an offset
 * is given), `21-Jun-2001`, `21.06.2001`, or epoch seconds. A query matches its own name first,
 * then its registered domain (tldts), so `example.co.uk` covers `www.example.co.uk`.
 */
export class DomainAgeFile implements DomainAgeSource {
  readonly created = new Map<string, number>();
  /** Lines that were not `domain,date` (line number and text), for one error line. */
  readonly badLines: string[] = [];

  static fromText(text: string): DomainAgeFile {
    const f = new DomainAgeFile();
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (!line || line.startsWith('#')) continue;
      const cut = line.search(/[,\t;]/);
      const domain = cut > 0 ? normalise(line.slice(0, cut).trim().replace(/^"|"$/g, '')) : '';
      const date = cut > 0 ? line.slice(cut + 1).trim().replace(/^"|"$/g, '') : '';
      const t = date ? parseCreationDate(date) : undefined;
      if (!domain || t === undefined) {
        if (f.created.size === 0 && f.badLines.length === 0 && /domain/i.test(line)) continue; // header
        f.badLines.push(`${i + 1}: ${line.slice(0, 80)}`);
        continue;
      }
      f.created.set(domain, t);
    }
    return f;
  }

  static load(path: string): DomainAgeFile { return DomainAgeFile.fromText(readFileSync(path, 'utf8')); }

  /** Creation time of the query or, failing that, of its registered domain. */
  createdOf(domain: string): number | undefined {
    if (this.created.size === 0) return undefined;
    const d = normalise(domain);
    const exact = this.created.get(d);
    if (exact !== undefined) return exact;
    const reg = getDomain(d);
    return reg && reg !== d ? this.created.get(reg) : undefined;
  }

  ageDays(domain: string, now: number): number | undefined {
    const c = this.createdOf(domain);
    return c === undefined ? undefined : ageAt(c, now);
  }
}

// ---- online lookups --------------------------------------------------------------------------

/** Creation date (epoch s) of a registered domain; null = the registry does not know it; throws on failure. */
export type CreationLookup = (domain: string) => Promise<number | null>;

export interface OnlineDomainAgesOptions {
  lookup: CreationLookup;
  /** One line per failed lookup (the first `maxErrorLines`, then one "more not shown" line). */
  error?: (text: string) => void;
  maxInFlight?: number;
  maxQueued?: number;
  cacheLimit?: number;
  /** DNS flows remembered while their domain is looked up. */
  maxRemembered?: number;
  /** A failed domain is not asked again for this long (wall clock: retrying is about the network). */
  failureTtlMs?: number;
  maxErrorLines?: number;
  wallClock?: () => number;
}

export class OnlineDomainAges implements DomainAgeSource {
  /** Registered domain -> creation time (epoch s), or null when the registry does not know it. */
  private readonly cache: BoundedMap<string, number | null>;
  /** Registered domain -> wall-clock ms until which it is not asked again. */
  private readonly failed: BoundedMap<string, number>;
  private readonly inFlight = new Set<string>();
  private readonly queued = new Set<string>();
  /** Registered domain -> DNS flows that asked while its lookup ran. */
  private readonly remembered = new Map<string, DnsFlow[]>();
  private rememberedCount = 0;
  /** Remembered flows whose domain's date arrived, waiting for the detector. */
  private arrived: { flow: DnsFlow; created: number }[] = [];
  private errorLines = 0;
  private readonly o: Required<Omit<OnlineDomainAgesOptions, 'error'>> & Pick<OnlineDomainAgesOptions, 'error'>;
  readonly stats = { started: 0, answered: 0, unknown: 0, failed: 0 };

  constructor(opts: OnlineDomainAgesOptions) {
    this.o = { maxInFlight: 8, maxQueued: 1000, cacheLimit: 50_000, maxRemembered: 1000, failureTtlMs: 5 * 60_000,
      maxErrorLines: 20, wallClock: Date.now, ...opts };
    this.cache = new BoundedMap(this.o.cacheLimit);
    this.failed = new BoundedMap(this.o.cacheLimit);
  }

  /** The registered domain whois/RDAP can answer for (an ICANN suffix), or null. */
  static keyOf(domain: string): string | null {
    const p = parseHost(normalise(domain));
    return p.isIcann && p.domain ? p.domain : null;
  }

  ageDays(domain: string, now: number): number | undefined {
    const key = OnlineDomainAges.keyOf(domain);
    if (!key) return undefined;
    const c = this.cache.get(key);
    if (c !== undefined) return c === null ? undefined : ageAt(c, now);
    this.request(key);
    return undefined;
  }

  /** Remember a DNS flow whose domain is being looked up, to report it when the date arrives. */
  remember(domain: string, flow: DnsFlow): void {
    const key = OnlineDomainAges.keyOf(domain);
    if (!key || (!this.inFlight.has(key) && !this.queued.has(key))) return;
    if (this.rememberedCount >= this.o.maxRemembered) this.forgetOldest();
    let list = this.remembered.get(key);
    if (!list) { list = []; this.remembered.set(key, list); }
    list.push(flow);
    this.rememberedCount++;
  }

  /** Hands over remembered flows whose date arrived (flows older than `since` are dropped) with their ages. */
  takeArrived(since: number, report: (flow: DnsFlow, ageDays: number) => void): void {
    if (!this.arrived.length) return;
    const ready = this.arrived;
    this.arrived = [];
    for (const { flow, created } of ready) {
      if (flow.starttime < since) continue;
      const age = ageAt(created, flow.starttime);
      if (age !== undefined) report(flow, age);
    }
  }

  /** Resolves when every started and queued lookup has finished (tests). */
  async settle(): Promise<void> { while (this.inFlight.size || this.queued.size) await new Promise((r) => setTimeout(r, 5)); }

  private request(key: string): void {
    if (this.inFlight.has(key) || this.queued.has(key)) return;
    const until = this.failed.get(key);
    if (until !== undefined) {
      if (this.o.wallClock() < until) return;
      this.failed.delete(key);
    }
    if (this.inFlight.size < this.o.maxInFlight) this.start(key);
    else if (this.queued.size < this.o.maxQueued) this.queued.add(key);
  }

  private start(key: string): void {
    this.inFlight.add(key);
    this.stats.started++;
    void this.o.lookup(key).then(
      (created) => { this.finish(key, created); },
      (e: unknown) => { this.fail(key, e); },
    );
  }

  private finish(key: string, created: number | null): void {
    if (created === null) this.stats.unknown++; else this.stats.answered++;
    this.cache.set(key, created);
    const flows = this.remembered.get(key);
    if (flows) {
      this.remembered.delete(key);
      this.rememberedCount -= flows.length;
      if (created !== null) for (const flow of flows) this.arrived.push({ flow, created });
    }
    this.next(key);
  }

  private fail(key: string, e: unknown): void {
    this.stats.failed++;
    this.failed.set(key, this.o.wallClock() + this.o.failureTtlMs);
    const flows = this.remembered.get(key);
    if (flows) { this.remembered.delete(key); this.rememberedCount -= flows.length; }
    if (this.o.error && this.errorLines <= this.o.maxErrorLines) {
      this.errorLines++;
      this.o.error(this.errorLines > this.o.maxErrorLines
        ? 'further domain-age lookup errors are not shown'
        : `domain age of ${key} unknown: ${(e as Error)?.message ?? String(e)}`);
    }
    this.next(key);
  }

  private next(done: string): void {
    this.inFlight.delete(done);
    for (const key of this.queued) {
      if (this.inFlight.size >= this.o.maxInFlight) break;
      this.queued.delete(key);
      if (!this.cache.has(key)) this.start(key);
    }
  }

  private forgetOldest(): void {
    for (const [key, list] of this.remembered) {
      list.shift();
      this.rememberedCount--;
      if (!list.length) this.remembered.delete(key);
      return;
    }
  }
}

/** The local file answers first; domains it does not list are asked online. */
class FileThenOnline implements DomainAgeSource {
  constructor(private readonly file: DomainAgeFile, private readonly online: OnlineDomainAges) {}
  ageDays(domain: string, now: number): number | undefined {
    const c = this.file.createdOf(domain);
    return c !== undefined ? ageAt(c, now) : this.online.ageDays(domain, now);
  }
  remember(domain: string, flow: DnsFlow): void {
    if (this.file.createdOf(domain) === undefined) this.online.remember(domain, flow);
  }
  takeArrived(since: number, report: (flow: DnsFlow, ageDays: number) => void): void { this.online.takeArrived(since, report); }
}

/** RDAP first (when a server template is set), whois as the fallback (when a server is set). */
export function onlineCreationLookup(rdapTemplate: string, whoisServer: string, timeoutMs: number): CreationLookup {
  const whois = whoisServer ? parseWhoisServer(whoisServer) : null;
  return async (domain) => {
    let rdapError: Error | null = null;
    if (rdapTemplate) {
      try { return await rdapCreationDate(rdapTemplate, domain, timeoutMs); } catch (e) { rdapError = e as Error; }
    }
    if (!whois) throw rdapError ?? new Error('no RDAP or whois server configured');
    try { return await whoisCreationDate(whois, domain, timeoutMs); } catch (e) {
      throw new Error(rdapError ? `${rdapError.message}; ${(e as Error).message}` : (e as Error).message);
    }
  };
}

// ---- loading -----------------------------------------------------------------------------------

/** The run's domain-age source from `ip_info` (file and/or online lookups); none by default. */
export function loadDomainAges(settings: Settings, c: ServiceLog): DomainAgeSource | null {
  if (!youngDomainWanted(settings)) return null;
  const cfg = settings.raw.ip_info;
  const path = String(cfg.domain_ages_file ?? '').trim();
  let file: DomainAgeFile | null = null;
  if (path) {
    try {
      file = DomainAgeFile.load(path);
      c.print('ip_info', `Domain ages for YOUNG_DOMAIN: ${file.created.size} domains from ${path} (ip_info.domain_ages_file).`);
      if (file.badLines.length) {
        c.error('ip_info', `${file.badLines.length} lines of ${path} are not "domain,creation_date" and were ignored, e.g. line ${file.badLines[0]}`);
      }
    } catch (e) {
      c.error('ip_info', `cannot read the domain-ages file ${path}: ${(e as Error).message}`);
    }
  }
  let online: OnlineDomainAges | null = null;
  if (cfg.online_domain_age === true) {
    const rdap = String(cfg.rdap_server ?? '').trim();
    const whois = String(cfg.whois_server ?? '').trim();
    const timeoutMs = Number(cfg.online_lookup_timeout) * 1000;
    if (!rdap && !whois) c.error('ip_info', 'ip_info.online_domain_age is on but neither ip_info.rdap_server nor ip_info.whois_server is set');
    else {
      online = new OnlineDomainAges({ lookup: onlineCreationLookup(rdap, whois, timeoutMs), error: (t) => c.error('ip_info', t) });
      c.print('ip_info', `Domain ages for YOUNG_DOMAIN are looked up online in the background (ip_info.online_domain_age${rdap ? `, RDAP ${rdap}` : ''}${whois ? `, whois ${whois}` : ''}).`);
    }
  }
  const source = file && online ? new FileThenOnline(file, online) : file ?? online;
  if (!source) c.print('flow_alerts', 'YOUNG_DOMAIN is skipped: it needs a domain-age source (ip_info.domain_ages_file or ip_info.online_domain_age), and none is configured in this offline run.');
  return source;
}
