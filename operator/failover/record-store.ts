/**
 * The promotion record of one Redis StatefulSet lives in one ConfigMap the operator owns
 * (`<statefulset>-herdguard-failover`), written with optimistic concurrency: every write
 * names the resourceVersion it read, so of two writers (a deposed leader and its successor)
 * the second fails with a conflict instead of overwriting. Uses only the ConfigMap verbs
 * the chart's Role already grants (list, create, patch): a merge patch that carries
 * metadata.resourceVersion is conditional. Every write carries the operator's managed-by
 * label: the chart admits the operator's ConfigMap writes only on objects so marked.
 */
import type { KubeClient } from '../../lib/2-kube/client.js';
import { isConflict } from '../../lib/2-kube/errors.js';
import { resources, type KubeObject } from '../../lib/2-kube/resources.js';
import { FIELD_MANAGER, MANAGED_BY_LABEL } from '../../lib/3-policy/names.js';
import type { RedisRecord } from './decide.js';
import { PromotionStoreError } from './errors.js';

export const recordConfigMapName = (statefulSet: string): string => `${statefulSet}-herdguard-failover`;
/** **contract** (runbooks, kubectl): the record as JSON under this key. */
export const RECORD_KEY = 'record';
export const RECORD_LABEL = 'herdguard.io/failover-record';
/** On every record written: ownership for the chart's admission policy (a record from before it gains it on its next save). */
const OWNED = { [MANAGED_BY_LABEL]: FIELD_MANAGER };

interface RecordConfigMap extends KubeObject {
  data?: Record<string, string>;
}

export interface RecordStoreOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly statefulSet: string;
  /** The StatefulSet's uid, for the owner reference (the record goes when the Redis goes). */
  readonly ownerUid: () => string | undefined;
  /** Where a record is read from before this object exists (the status of an older operator). */
  readonly seed: () => RedisRecord;
}

/** Reads a stored record defensively: a field missing or of the wrong type takes the empty record's value. */
export function parseRecord(text: string | undefined): RedisRecord | null {
  if (!text) return null;
  try {
    const r = JSON.parse(text) as Partial<RedisRecord>;
    return {
      primary: typeof r.primary === 'string' ? r.primary : null,
      epoch: Number.isInteger(r.epoch) ? (r.epoch as number) : 0,
      promotions: Number.isInteger(r.promotions) ? (r.promotions as number) : 0,
      lastPromotion: typeof r.lastPromotion === 'number' ? r.lastPromotion : null,
      promotion: r.promotion ?? null,
      primaryFenced: r.primaryFenced === true,
    };
  } catch {
    return null;
  }
}

export class RecordStore {
  /** The last record read or written in this term, with its resourceVersion ('' = the object does not exist). */
  private held: { record: RedisRecord; resourceVersion: string } | null = null;

  constructor(private readonly o: RecordStoreOptions) {}

  private get name(): string {
    return recordConfigMapName(this.o.statefulSet);
  }

  /** One list at the start of a term (or after a conflict), then from memory: a read per tick would load the API server. */
  async load(): Promise<RedisRecord> {
    if (this.held) return this.held.record;
    const list = await this.o.client.list<RecordConfigMap>(
      { res: resources.configMaps, namespace: this.o.namespace },
      { fieldSelector: `metadata.name=${this.name}` },
    );
    const cm = list.items[0];
    const stored = parseRecord(cm?.data?.[RECORD_KEY]);
    this.held = { record: stored ?? this.o.seed(), resourceVersion: cm?.metadata.resourceVersion ?? '' };
    return this.held.record;
  }

  /** Writes `r` over exactly the version last read; a conflict forgets it, so the next tick reads again. */
  async save(r: RedisRecord): Promise<void> {
    const rv = this.held?.resourceVersion ?? (await this.load(), this.held?.resourceVersion ?? '');
    const data = { [RECORD_KEY]: JSON.stringify(r) };
    try {
      const written =
        rv === ''
          ? await this.o.client.create<RecordConfigMap>({ res: resources.configMaps, namespace: this.o.namespace }, this.object(data))
          : await this.o.client.mergePatch<RecordConfigMap>(
              { res: resources.configMaps, namespace: this.o.namespace, name: this.name },
              { metadata: { resourceVersion: rv, labels: OWNED }, data },
            );
      this.held = { record: r, resourceVersion: written.metadata.resourceVersion ?? '' };
    } catch (err) {
      this.held = null;
      throw new PromotionStoreError(this.o.statefulSet, err, isConflict(err));
    }
  }

  /** A new leadership term reads the object again: another leader may have written since. */
  forget(): void {
    this.held = null;
  }

  private object(data: Record<string, string>): RecordConfigMap {
    const uid = this.o.ownerUid();
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: this.name,
        namespace: this.o.namespace,
        labels: { [RECORD_LABEL]: this.o.statefulSet, ...OWNED },
        ...(uid ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: this.o.statefulSet, uid }] } : {}),
      },
      data,
    };
  }
}
