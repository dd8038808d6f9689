/** Chaos wrapper around a real client: the next watch of a resource starts from an ancient resourceVersion, so the real API server answers 410 Gone. */
import type { KubeClient, Target, WatchEvent } from '../../lib/2-kube/client.js';
import type { KubeObject } from '../../lib/2-kube/resources.js';

export class ExpiringWatchClient implements KubeClient {
  private expire = new Set<string>();
  constructor(private readonly inner: KubeClient) {}
  expireNextWatch(plural: string): void {
    this.expire.add(plural);
  }
  list: KubeClient['list'] = (t, q) => this.inner.list(t, q);
  get: KubeClient['get'] = (t) => this.inner.get(t);
  create: KubeClient['create'] = (t, b) => this.inner.create(t, b);
  update: KubeClient['update'] = (t, b) => this.inner.update(t, b);
  mergePatch: KubeClient['mergePatch'] = (t, p) => this.inner.mergePatch(t, p);
  apply: KubeClient['apply'] = (t, b, f) => this.inner.apply(t, b, f);
  delete: KubeClient['delete'] = (t) => this.inner.delete(t);
  watch<T extends KubeObject>(t: Target, q: Record<string, string>, on: (e: WatchEvent<T>) => void, s: AbortSignal): Promise<void> {
    const query = this.expire.delete(t.res.plural) ? { ...q, resourceVersion: '1' } : q;
    return this.inner.watch(t, query, on, s);
  }
}
