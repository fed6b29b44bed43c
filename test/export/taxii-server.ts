// A TAXII 2.1 server for the exporter tests, following the specification (OASIS TAXII 2.1,
// sections 4 and 5): discovery, API root information, collections, a collection, its objects
// (GET with limit/next/added_after/match[id]/match[type], POST of an envelope) and status resources.
// HTTP basic authentication, content negotiation (406/415), max_content_length (413) and
// read-only collections (403) are enforced, so a client that gets the protocol wrong fails here.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export const TAXII = 'application/taxii+json;version=2.1';
const STIX = 'application/stix+json;version=2.1';

export interface StoredObject { object: Record<string, unknown>; dateAdded: string }

export interface TaxiiServerOptions {
  username: string;
  password: string;
  /** Title of the writable collection (another, read-only one is also listed). */
  collectionTitle: string;
  maxContentLength?: number;
  port?: number;
}

const STIX_ID = /^[a-z0-9][a-z0-9-]+[a-z0-9]--[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const STIX_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Media types acceptable for `Accept`: TAXII 2.1 (with or without the version parameter), or anything. */
function acceptsTaxii(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.trim().toLowerCase().split(';').map((x) => x.trim());
    if (type === '*/*' || type === 'application/*') return true;
    if (type !== 'application/taxii+json') return false;
    const version = params.find((p) => p.startsWith('version='));
    return !version || version === 'version=2.1';
  });
}

export class TaxiiServer {
  private server: Server | null = null;
  port = 0;
  readonly collectionId = randomUUID();
  readonly readOnlyId = randomUUID();
  /** Objects of the writable collection by id, every version kept (id -> modified -> object). */
  readonly objects = new Map<string, Map<string, StoredObject>>();
  readonly statuses = new Map<string, Record<string, unknown>>();
  /** Every request seen: method, path and whether it was authenticated. */
  readonly requests: { method: string; path: string; authorized: boolean }[] = [];
  private readonly maxContentLength: number;

  constructor(private readonly o: TaxiiServerOptions) { this.maxContentLength = o.maxContentLength ?? 10 << 20; }

  get base(): string { return `http://127.0.0.1:${this.port}`; }
  get apiRoot(): string { return `${this.base}/api1/`; }

  /** Listens on `port` (0 = any free port); may be called again after stop() to come back on the same port. */
  async start(port = this.o.port ?? this.port): Promise<void> {
    const srv = createServer((req, res) => { this.handle(req, res).catch((e) => this.error(res, 500, String(e))); });
    await new Promise<void>((resolve, reject) => { srv.once('error', reject); srv.listen(port, '127.0.0.1', () => resolve()); });
    this.port = (srv.address() as AddressInfo).port;
    this.server = srv;
  }

  async stop(): Promise<void> {
    const srv = this.server;
    this.server = null;
    if (!srv) return;
    srv.closeAllConnections();
    await new Promise<void>((r) => srv.close(() => r()));
  }

  /** Every object of the writable collection (latest version of each). */
  latest(): Record<string, unknown>[] {
    return [...this.objects.values()].map((versions) => [...versions.values()].at(-1)!.object);
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': TAXII, ...headers });
    res.end(JSON.stringify(body));
  }

  /** TAXII error message (3.6.1). */
  private error(res: ServerResponse, status: number, title: string, extra: Record<string, string> = {}): void {
    if (res.headersSent) { res.end(); return; }
    this.send(res, status, { title, http_status: String(status) }, extra);
  }

  private authorized(req: IncomingMessage): boolean {
    const h = req.headers.authorization ?? '';
    if (!h.startsWith('Basic ')) return false;
    return Buffer.from(h.slice(6), 'base64').toString() === `${this.o.username}:${this.o.password}`;
  }

  private collection(id: string): Record<string, unknown> | null {
    if (id === this.collectionId) {
      return { id, title: this.o.collectionTitle, description: 'Alerts from Slips', can_read: true, can_write: true, media_types: [STIX] };
    }
    if (id === this.readOnlyId) return { id, title: 'Read only feed', can_read: true, can_write: false, media_types: [STIX] };
    return null;
  }

  private async body(req: IncomingMessage, limit: number): Promise<Buffer | null> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) { size += (c as Buffer).length; if (size > limit) return null; chunks.push(c as Buffer); }
    return Buffer.concat(chunks);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    const path = url.pathname;
    const authorized = this.authorized(req);
    this.requests.push({ method: req.method ?? '', path, authorized });
    if (!authorized) return this.error(res, 401, 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="TAXII"' });
    if (!acceptsTaxii(req.headers.accept)) return this.error(res, 406, 'Not Acceptable: the client must accept ' + TAXII);

    if (path === '/taxii2/' && req.method === 'GET') {
      return this.send(res, 200, { title: 'Test TAXII 2.1 server', description: 'for slips-ts tests', default: this.apiRoot, api_roots: [this.apiRoot] });
    }
    const m = /^\/api1\/(?:(collections)\/(?:([^/]+)\/(?:(objects)\/)?)?|(status)\/([^/]+)\/)?$/.exec(path);
    if (!m) return this.error(res, 404, 'Not Found');
    const [, collections, collectionId, objects, status, statusId] = m;
    if (!collections && !status) {
      if (req.method !== 'GET') return this.error(res, 405, 'Method Not Allowed');
      return this.send(res, 200, { title: 'API root 1', versions: [TAXII], max_content_length: this.maxContentLength });
    }
    if (status) {
      const s = this.statuses.get(decodeURIComponent(statusId!));
      return s ? this.send(res, 200, s) : this.error(res, 404, 'Unknown status');
    }
    if (!collectionId) {
      if (req.method !== 'GET') return this.error(res, 405, 'Method Not Allowed');
      return this.send(res, 200, { collections: [this.collection(this.collectionId), this.collection(this.readOnlyId)] });
    }
    const col = this.collection(decodeURIComponent(collectionId));
    if (!col) return this.error(res, 404, 'Unknown collection');
    if (!objects) return req.method === 'GET' ? this.send(res, 200, col) : this.error(res, 405, 'Method Not Allowed');
    if (req.method === 'GET') return this.getObjects(url, res, col.id === this.collectionId);
    if (req.method === 'POST') return this.addObjects(req, res, col);
    return this.error(res, 405, 'Method Not Allowed');
  }

  private getObjects(url: URL, res: ServerResponse, writable: boolean): void {
    let all = writable ? [...this.objects.values()].flatMap((v) => [...v.values()]) : [];
    all.sort((a, b) => a.dateAdded.localeCompare(b.dateAdded));
    const after = url.searchParams.get('added_after');
    if (after) all = all.filter((o) => o.dateAdded > after);
    const ids = url.searchParams.get('match[id]')?.split(',');
    if (ids) all = all.filter((o) => ids.includes(String(o.object.id)));
    const types = url.searchParams.get('match[type]')?.split(',');
    if (types) all = all.filter((o) => types.includes(String(o.object.type)));
    const start = Number(url.searchParams.get('next') ?? 0);
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 1000), 1000);
    const page = all.slice(start, start + limit);
    const more = start + limit < all.length;
    const headers: Record<string, string> = {};
    if (page.length) { headers['X-TAXII-Date-Added-First'] = page[0]!.dateAdded; headers['X-TAXII-Date-Added-Last'] = page.at(-1)!.dateAdded; }
    const envelope: Record<string, unknown> = { more };
    if (more) envelope.next = String(start + limit);
    if (page.length) envelope.objects = page.map((o) => o.object);
    this.send(res, 200, envelope, headers);
  }

  private async addObjects(req: IncomingMessage, res: ServerResponse, col: Record<string, unknown>): Promise<void> {
    if (!col.can_write) return this.error(res, 403, 'Forbidden: the collection is read-only');
    const type = (req.headers['content-type'] ?? '').replace(/\s+/g, '').toLowerCase();
    if (type !== TAXII) return this.error(res, 415, `Unsupported Media Type: expected ${TAXII}`);
    const raw = await this.body(req, this.maxContentLength);
    if (!raw) return this.error(res, 413, 'Payload Too Large');
    let envelope: { objects?: unknown };
    try { envelope = JSON.parse(raw.toString('utf8')) as { objects?: unknown }; } catch { return this.error(res, 400, 'Bad Request: not JSON'); }
    if (!Array.isArray(envelope.objects)) return this.error(res, 400, 'Bad Request: an envelope needs "objects"');
    const requestTime = new Date().toISOString();
    const successes: { id: string; version: string }[] = [];
    const failures: { id: string; version?: string; message: string }[] = [];
    for (const o of envelope.objects as Record<string, unknown>[]) {
      const id = String(o?.id ?? '');
      const problem = !o || typeof o !== 'object' ? 'not an object'
        : typeof o.type !== 'string' ? 'no type' : !STIX_ID.test(id) ? 'bad id'
        : o.spec_version !== '2.1' ? 'spec_version must be 2.1'
        : typeof o.created !== 'string' || !STIX_TIME.test(o.created) ? 'bad created'
        : typeof o.modified !== 'string' || !STIX_TIME.test(o.modified) ? 'bad modified' : null;
      if (problem) { failures.push({ id, message: problem }); continue; }
      const versions = this.objects.get(id) ?? new Map<string, StoredObject>();
      versions.set(String(o.modified), { object: o, dateAdded: new Date().toISOString() });
      this.objects.set(id, versions);
      successes.push({ id, version: String(o.modified) });
    }
    const status = {
      id: randomUUID(), status: 'complete', request_timestamp: requestTime, total_count: successes.length + failures.length,
      success_count: successes.length, successes, failure_count: failures.length, failures, pending_count: 0,
    };
    this.statuses.set(status.id, status);
    this.send(res, 202, status);
  }
}
