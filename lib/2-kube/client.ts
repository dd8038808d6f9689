/**
 * A thin Kubernetes REST client: authentication comes from kubeconfig.ts (kubeconfig file
 * or in-cluster service account; client-node's KubeConfig has the same shape and tests
 * pass one); requests go over one
 * keep-alive HTTPS agent. Every request is reported to `onRequest`, so the operator can
 * count its own API traffic (the idle-cost measurement) with bounded labels.
 */
import { Agent, request, type RequestOptions } from 'node:https';
import { systemClock, type Clock } from '../1-ground/clock.js';
import { KubeApiError, KubeTimeoutError, WatchExpiredError } from './errors.js';
import { loadKubeAuth, type KubeAuth } from './kubeconfig.js';
import { resourcePath, type KubeObject, type Resource } from './resources.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'apply' | 'delete';
export const WRITE_VERBS: ReadonlySet<Verb> = new Set(['create', 'update', 'patch', 'apply', 'delete']);

export interface KubeList<T> {
  items: T[];
  metadata: { resourceVersion: string };
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface Target {
  res: Resource;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export interface KubeClient {
  list<T extends KubeObject>(t: Target, query?: Record<string, string>): Promise<KubeList<T>>;
  /** Streams events until the server ends the watch (resolves) or it fails (rejects); abort to stop. */
  watch<T extends KubeObject>(
    t: Target,
    query: Record<string, string>,
    onEvent: (e: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void>;
  get<T extends KubeObject>(t: Target): Promise<T>;
  create<T extends KubeObject>(t: Target, body: unknown): Promise<T>;
  update<T extends KubeObject>(t: Target, body: unknown): Promise<T>;
  mergePatch<T extends KubeObject>(t: Target, patch: unknown): Promise<T>;
  /** Server-side apply with the given field manager (force: the operator owns these fields). */
  apply<T extends KubeObject>(t: Target, body: unknown, fieldManager: string): Promise<T>;
  delete(t: Target): Promise<void>;
}

export interface HttpKubeClientOptions {
  kubeConfig?: KubeAuth;
  /** Sent as User-Agent, so the API server's own metrics can tell this client apart. */
  userAgent?: string;
  onRequest?: (verb: Verb, resource: string) => void;
  /**
   * Every request is aborted after this long (a watch: until its response starts), so a
   * hung call cannot outlive the leader's renew deadline. Default 5 s.
   */
  requestTimeoutMs?: number;
  clock?: Clock;
}

/** Below the default renew deadline (10 s) with room for a retry. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

interface Call {
  verb: Verb;
  method: string;
  t: Target;
  query?: Record<string, string>;
  body?: unknown;
  contentType?: string;
}

export class HttpKubeClient implements KubeClient {
  private readonly kc: KubeAuth;
  private readonly server: URL;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  private readonly timeoutMs: number;
  private readonly clock: Clock;

  constructor(private readonly opts: HttpKubeClientOptions = {}) {
    this.timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (!(Number.isFinite(this.timeoutMs) && this.timeoutMs > 0)) {
      throw new RangeError(`expected requestTimeoutMs to be a positive number of ms, got ${String(opts.requestTimeoutMs)}`);
    }
    this.clock = opts.clock ?? systemClock;
    this.kc = opts.kubeConfig ?? HttpKubeClient.defaultConfig();
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('no current cluster in the kubeconfig: set KUBECONFIG or run in a pod with a service account');
    this.server = new URL(cluster.server);
  }

  static defaultConfig(): KubeAuth {
    return loadKubeAuth();
  }

  list<T extends KubeObject>(t: Target, query: Record<string, string> = {}): Promise<KubeList<T>> {
    return this.json({ verb: 'list', method: 'GET', t, query });
  }
  get<T extends KubeObject>(t: Target): Promise<T> {
    return this.json({ verb: 'get', method: 'GET', t });
  }
  create<T extends KubeObject>(t: Target, body: unknown): Promise<T> {
    return this.json({ verb: 'create', method: 'POST', t, body });
  }
  update<T extends KubeObject>(t: Target, body: unknown): Promise<T> {
    return this.json({ verb: 'update', method: 'PUT', t, body });
  }
  mergePatch<T extends KubeObject>(t: Target, patch: unknown): Promise<T> {
    return this.json({ verb: 'patch', method: 'PATCH', t, body: patch, contentType: 'application/merge-patch+json' });
  }
  apply<T extends KubeObject>(t: Target, body: unknown, fieldManager: string): Promise<T> {
    const query = { fieldManager, force: 'true' };
    return this.json({ verb: 'apply', method: 'PATCH', t, query, body, contentType: 'application/apply-patch+yaml' });
  }
  async delete(t: Target): Promise<void> {
    await this.json({ verb: 'delete', method: 'DELETE', t });
  }

  async watch<T extends KubeObject>(
    t: Target,
    query: Record<string, string>,
    onEvent: (e: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const res = await this.open({ verb: 'watch', method: 'GET', t, query: { ...query, watch: '1' } }, signal);
    res.done(); // a watch streams for minutes: only its start is bounded
    const path = resourcePath(t.res, t.namespace);
    if (res.status === 410) throw new WatchExpiredError(path, res.statusMessage);
    if (res.status !== 200) throw await this.apiError('GET', path, res);
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      res.stream.setEncoding('utf8');
      res.stream.on('data', (chunk: string) => {
        buf += chunk;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const e = JSON.parse(line) as WatchEvent<T>;
          if (e.type === 'ERROR') {
            const st = e.object as unknown as { code?: number; message?: string };
            res.stream.destroy();
            return reject(
              st.code === 410 ? new WatchExpiredError(path, st.message ?? 'Gone') : new KubeApiError('WATCH', path, st.code ?? 500, 'WatchError', st.message ?? ''),
            );
          }
          onEvent(e);
        }
      });
      res.stream.on('end', resolve);
      res.stream.on('close', resolve); // aborted by us, or the server went away: the informer decides
      res.stream.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
    });
  }

  /** Drops idle keep-alive sockets (shutdown). */
  close(): void {
    this.agent.destroy();
  }

  private async json<T>(c: Call): Promise<T> {
    const res = await this.open(c);
    try {
      const path = resourcePath(c.t.res, c.t.namespace, c.t.name, c.t.subresource);
      if (res.status < 200 || res.status >= 300) throw await this.apiError(c.method, path, res);
      const text = await readAll(res.stream);
      return (text ? JSON.parse(text) : {}) as T;
    } finally {
      res.done();
    }
  }

  private async apiError(method: string, path: string, res: Opened): Promise<KubeApiError> {
    const text = await readAll(res.stream).catch(() => '');
    let status: { reason?: string; message?: string } = {};
    try {
      status = JSON.parse(text) as typeof status;
    } catch {
      status = { message: text.slice(0, 500) };
    }
    return new KubeApiError(method, path, res.status, status.reason ?? res.statusMessage, status.message ?? '');
  }

  private async open(c: Call, signal?: AbortSignal): Promise<Opened> {
    this.opts.onRequest?.(c.verb, c.t.res.plural);
    const url = new URL(resourcePath(c.t.res, c.t.namespace, c.t.name, c.t.subresource), this.server);
    for (const [k, v] of Object.entries(c.query ?? {})) url.searchParams.set(k, v);
    const body = c.body === undefined ? undefined : JSON.stringify(c.body);
    const opts: RequestOptions = {
      method: c.method,
      agent: this.agent,
      headers: {
        Accept: 'application/json',
        'User-Agent': this.opts.userAgent ?? 'herdguard-operator',
        ...(body === undefined ? {} : { 'Content-Type': c.contentType ?? 'application/json' }),
      },
      ...(signal ? { signal } : {}),
    };
    await this.kc.applyToHTTPSOptions(opts);
    return new Promise((resolve, reject) => {
      const req = request(url, opts, (res) =>
        resolve({ status: res.statusCode ?? 0, statusMessage: res.statusMessage ?? '', stream: res, done: () => timer.cancel() }),
      );
      // Destroying the request fails the pending promise or the body read with this error.
      const timer = this.clock.after(this.timeoutMs, () => req.destroy(new KubeTimeoutError(c.method, url.pathname, this.timeoutMs)));
      req.on('error', (err) => {
        timer.cancel();
        reject(err);
      });
      req.end(body);
    });
  }
}

interface Opened {
  status: number;
  statusMessage: string;
  stream: import('node:http').IncomingMessage;
  /** Cancels the request timeout (the answer is complete, or a watch has started). */
  done: () => void;
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => (text += c));
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
  });
}
