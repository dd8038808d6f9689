/**
 * List+watch cache of one resource. Watches resume from the last resourceVersion
 * (bookmarks keep it fresh); a 410 Gone relists and replays only what changed; any other
 * failure restarts the watch with backoff. No periodic resync: reconciles are driven by
 * real changes, so an idle cluster costs nothing beyond the open watch.
 */
import type { Logger } from '../1-ground/log.js';
import { silentLogger } from '../1-ground/log.js';
import type { KubeClient, WatchEvent } from './client.js';
import { Backoff, sleepOn, systemClock, type Clock } from '../1-ground/clock.js';
import { WatchExpiredError } from './errors.js';
import { objectKey, type KubeObject, type Resource } from './resources.js';

export interface InformerHandler<T> {
  onAdd?(obj: T): void;
  onUpdate?(old: T, obj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions {
  client: KubeClient;
  res: Resource;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  clock?: Clock;
  logger?: Logger;
  random?: () => number;
  /** Applied to each listed or watched object before it is cached (e.g. slimForCache). */
  transform?: <T extends KubeObject>(obj: T) => T;
}

export interface InformerStats {
  relists: number;
  watchRestarts: number;
  expired: number;
}

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandler<T>[] = [];
  private readonly abort = new AbortController();
  private watchAbort: AbortController | undefined;
  private resourceVersion: string | undefined;
  private loop: Promise<void> | undefined;
  private syncedResolve: (() => void) | undefined;
  private readonly synced = new Promise<void>((r) => (this.syncedResolve = r));
  private hasSynced = false;
  readonly stats: InformerStats = { relists: 0, watchRestarts: 0, expired: 0 };
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly backoff: Backoff;

  constructor(private readonly opts: InformerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.logger = (opts.logger ?? silentLogger).child({ informer: opts.res.plural });
    this.backoff = new Backoff(200, 30_000, opts.random);
  }

  on(h: InformerHandler<T>): void {
    this.handlers.push(h);
  }

  /** Starts the loop; resolves once the first list is in the cache. */
  async start(): Promise<void> {
    this.loop ??= this.run();
    await Promise.race([this.synced, this.loop]);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.watchAbort?.abort();
    await this.loop;
  }

  get synchronized(): boolean {
    return this.hasSynced;
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  /** Ends the current watch at once (tests and the chaos wrapper use it); the loop resumes it. */
  interruptWatch(): void {
    this.watchAbort?.abort();
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        if (this.resourceVersion === undefined) await this.relist();
        await this.watchOnce();
        this.backoff.reset();
      } catch (err) {
        if (this.abort.signal.aborted) break;
        if (err instanceof WatchExpiredError) {
          this.stats.expired++;
          this.logger.info('watch expired (410); relisting', { err });
          this.resourceVersion = undefined;
          continue;
        }
        const delay = this.backoff.next();
        this.logger.warn('list/watch failed; retrying', { err, delayMs: delay });
        await sleepOn(this.clock, delay, this.abort.signal);
      }
    }
  }

  private async relist(): Promise<void> {
    const query = this.selectors();
    const list = await this.opts.client.list<T>({ res: this.opts.res, ...this.ns() }, query);
    this.stats.relists++;
    const seen = new Set<string>();
    for (const raw of list.items) {
      const item = this.slim(raw);
      const key = objectKey(item);
      seen.add(key);
      this.upsert(key, item);
    }
    for (const [key, old] of this.cache) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.emit((h) => h.onDelete?.(old));
      }
    }
    this.resourceVersion = list.metadata.resourceVersion;
    if (!this.hasSynced) {
      this.hasSynced = true;
      this.syncedResolve?.();
    }
  }

  private async watchOnce(): Promise<void> {
    this.watchAbort = new AbortController();
    const query: Record<string, string> = {
      resourceVersion: this.resourceVersion ?? '',
      allowWatchBookmarks: 'true',
      // Spread reconnects over 5-10 min so replicas do not re-watch in step.
      timeoutSeconds: String(300 + Math.floor(300 * (this.opts.random ?? Math.random)())),
      ...this.selectors(),
    };
    this.stats.watchRestarts++;
    await this.opts.client.watch<T>({ res: this.opts.res, ...this.ns() }, query, (e) => this.apply(e), this.watchAbort.signal);
  }

  private apply(e: WatchEvent<T>): void {
    const rv = e.object.metadata?.resourceVersion;
    if (e.type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return;
    }
    const key = objectKey(e.object);
    if (e.type === 'DELETED') {
      const old = this.cache.get(key);
      this.cache.delete(key);
      if (old) this.emit((h) => h.onDelete?.(e.object));
    } else {
      this.upsert(key, this.slim(e.object));
    }
    if (rv) this.resourceVersion = rv;
  }

  private upsert(key: string, obj: T): void {
    const old = this.cache.get(key);
    if (old?.metadata.resourceVersion === obj.metadata.resourceVersion) return; // relist replays only changes
    this.cache.set(key, obj);
    if (old) this.emit((h) => h.onUpdate?.(old, obj));
    else this.emit((h) => h.onAdd?.(obj));
  }

  private slim(obj: T): T {
    return this.opts.transform ? this.opts.transform(obj) : obj;
  }

  private emit(fn: (h: InformerHandler<T>) => void): void {
    for (const h of this.handlers) {
      try {
        fn(h);
      } catch (err) {
        this.logger.error('informer handler threw', { err });
      }
    }
  }

  private selectors(): Record<string, string> {
    const q: Record<string, string> = {};
    if (this.opts.labelSelector) q['labelSelector'] = this.opts.labelSelector;
    if (this.opts.fieldSelector) q['fieldSelector'] = this.opts.fieldSelector;
    return q;
  }

  private ns(): { namespace?: string } {
    return this.opts.namespace ? { namespace: this.opts.namespace } : {};
  }
}
