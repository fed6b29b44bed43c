// A TAXII 2.1 client for what the exporter needs: discovery (GET the discovery path), the API
// roots' information and collections, and adding objects to the collection named by
// collection_name (its id or its title), with HTTP basic authentication.
export const TAXII_MEDIA = 'application/taxii+json;version=2.1';

export interface TaxiiOptions {
  /** scheme://host[:port] */
  baseUrl: string;
  discoveryPath: string;
  collection: string;
  username: string;
  password: string;
  timeoutSeconds: number;
}

/** Status resource of an add-objects request (TAXII 2.1, 4.3.1). */
export interface TaxiiStatus {
  id: string;
  status: string;
  total_count?: number;
  success_count?: number;
  failure_count?: number;
  pending_count?: number;
  failures?: { id: string; version?: string; message?: string }[];
}

/** A request the server answered with an HTTP error. */
export class TaxiiHttpError extends Error {
  constructor(readonly status: number, readonly url: string, text: string) {
    super(`HTTP ${status} from ${url}${text ? `: ${text.slice(0, 200)}` : ''}`);
  }
}

/** scheme://server[:port], the port left out when it is the scheme's default (as the original builds it). */
export function taxiiBaseUrl(server: string, port: number, https: boolean): string {
  const scheme = https ? 'https' : 'http';
  const host = server.includes(':') && !server.startsWith('[') ? `[${server}]` : server;
  return port === (https ? 443 : 80) ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
}

const withSlash = (u: string): string => (u.endsWith('/') ? u : `${u}/`);

export interface Target { objectsUrl: string; maxContentLength: number }

export class TaxiiClient {
  private target: Target | null = null;
  private readonly auth: string | null;
  private readonly controller = new AbortController();

  constructor(private readonly o: TaxiiOptions) {
    this.auth = o.username ? `Basic ${Buffer.from(`${o.username}:${o.password}`).toString('base64')}` : null;
  }

  get discoveryUrl(): string {
    const p = this.o.discoveryPath;
    if (/^https?:\/\//.test(p)) return p;
    return new URL(p.startsWith('/') ? p : `/${p}`, this.o.baseUrl).href;
  }

  private async request(url: string, init: { method?: string; body?: string } = {}): Promise<unknown> {
    const headers: Record<string, string> = { Accept: TAXII_MEDIA };
    if (this.auth) headers.Authorization = this.auth;
    if (init.body !== undefined) headers['Content-Type'] = TAXII_MEDIA;
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.o.timeoutSeconds * 1000)]);
    const res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body, signal });
    const text = await res.text();
    if (!res.ok) throw new TaxiiHttpError(res.status, url, text);
    try { return JSON.parse(text); } catch { throw new Error(`${url} did not answer JSON`); }
  }

  /** Finds the collection's objects endpoint through discovery, once (again after a failure). */
  async resolve(): Promise<Target> {
    if (this.target) return this.target;
    const discovery = await this.request(this.discoveryUrl) as { default?: string; api_roots?: string[] };
    const roots = [...new Set([discovery.default, ...(discovery.api_roots ?? [])].filter((r): r is string => typeof r === 'string'))]
      .map((r) => withSlash(new URL(r, this.discoveryUrl).href));
    if (!roots.length) throw new Error(`the TAXII server at ${this.discoveryUrl} lists no API roots`);
    for (const root of roots) {
      const list = await this.request(`${root}collections/`) as { collections?: { id: string; title?: string; can_write?: boolean }[] };
      const found = (list.collections ?? []).find((c) => c.id === this.o.collection) ??
        (list.collections ?? []).find((c) => c.title === this.o.collection);
      if (!found) continue;
      if (found.can_write === false) throw new Error(`collection "${this.o.collection}" at ${root} is not writable`);
      const info = await this.request(root) as { max_content_length?: number };
      this.target = {
        objectsUrl: `${root}collections/${encodeURIComponent(found.id)}/objects/`,
        maxContentLength: typeof info.max_content_length === 'number' && info.max_content_length > 0 ? info.max_content_length : 10 << 20,
      };
      return this.target;
    }
    throw new Error(`collection "${this.o.collection}" was not found on the TAXII server at ${this.discoveryUrl}`);
  }

  /** Adds objects (one envelope) and returns the server's status resource. */
  async add(objectsJson: readonly string[]): Promise<TaxiiStatus> {
    const t = await this.resolve();
    try {
      return await this.request(t.objectsUrl, { method: 'POST', body: `{"objects": [${objectsJson.join(', ')}]}` }) as TaxiiStatus;
    } catch (e) {
      // The collection may have moved or the server restarted with another layout: discover again next time.
      if (e instanceof TaxiiHttpError && (e.status === 404 || e.status === 403)) this.target = null;
      throw e;
    }
  }

  /** Cancels what is in flight. */
  abort(): void { this.controller.abort(); }
}
