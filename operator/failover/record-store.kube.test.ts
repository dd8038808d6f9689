/**
 * The promotion record's single home, on a real kube-apiserver: one ConfigMap per Redis,
 * owned by its StatefulSet, written only over the version the writer read.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../testkit/control-plane/control-plane.js';
import { HttpKubeClient } from '../../lib/2-kube/client.js';
import { resources, type KubeObject } from '../../lib/2-kube/resources.js';
import { emptyRecord, type RedisRecord } from './decide.js';
import { FIELD_MANAGER, MANAGED_BY_LABEL } from '../../lib/3-policy/names.js';
import { RECORD_KEY, RECORD_LABEL, recordConfigMapName, RecordStore } from './record-store.js';

const NS = 'hg-record';
let cp: ControlPlane;
let api: HttpKubeClient;
let stsUid = '';

beforeAll(async () => {
  cp = await startControlPlane();
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  api = new HttpKubeClient({ kubeConfig: kc, userAgent: 'herdguard-record-test' });
  await api.create({ res: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace' } }, { metadata: { name: NS } });
  const sts = await api.create<KubeObject>({ res: resources.statefulSets, namespace: NS }, {
    metadata: { name: 'cache' },
    spec: {
      replicas: 3,
      serviceName: 'cache',
      selector: { matchLabels: { app: 'cache' } },
      template: { metadata: { labels: { app: 'cache' } }, spec: { containers: [{ name: 'redis', image: 'redis' }] } },
    },
  });
  stsUid = sts.metadata.uid ?? '';
});

afterAll(async () => {
  api?.close();
  await cp?.stop();
});

const store = (seed: RedisRecord = emptyRecord) =>
  new RecordStore({ client: api, namespace: NS, statefulSet: 'cache', ownerUid: () => stsUid, seed: () => seed });
const rec = (over: Partial<RedisRecord>): RedisRecord => ({ ...emptyRecord, ...over });
const stored = async () => {
  const cm = await api.get<KubeObject & { data?: Record<string, string> }>({ res: resources.configMaps, namespace: NS, name: recordConfigMapName('cache') });
  return { cm, record: JSON.parse(cm.data?.[RECORD_KEY] ?? 'null') as RedisRecord };
};

describe('the promotion record on a real API server', () => {
  it('starts from the seed (the status older operators wrote) and creates one ConfigMap owned by the StatefulSet, labelled as the operator\'s', async () => {
    const s = store(rec({ primary: 'cache-0', epoch: 3 }));
    expect(await s.load()).toMatchObject({ primary: 'cache-0', epoch: 3 });
    await s.save(rec({ primary: 'cache-0', epoch: 3, primaryFenced: true }));
    const { cm, record } = await stored();
    expect(record).toMatchObject({ primary: 'cache-0', epoch: 3, primaryFenced: true });
    expect(cm.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'cache', uid: stsUid }]);
    // The chart's admission policy lets the operator change only ConfigMaps so labelled.
    expect(cm.metadata.labels).toMatchObject({ [MANAGED_BY_LABEL]: FIELD_MANAGER, [RECORD_LABEL]: 'cache' });
  });

  it('refuses the write of a deposed leader that read an older version, and keeps the successor\'s record', async () => {
    const deposed = store();
    const successor = store();
    await deposed.load();
    await successor.load();
    const progress = { id: 'p', reason: 'PrimaryLost', from: 'cache-0', to: 'cache-1', epoch: 4, step: 'Chosen', detectedAt: 1 } as const;
    await successor.save(rec({ primary: 'cache-0', epoch: 3, promotion: progress }));
    await expect(deposed.save(rec({ primary: 'cache-0', epoch: 3, promotion: { ...progress, id: 'q', to: 'cache-2' } }))).rejects.toMatchObject({
      code: 'E_PROMOTION_STORE',
      conflict: true,
    });
    expect((await stored()).record.promotion).toMatchObject({ id: 'p', to: 'cache-1' });
    // After a conflict the store reads again: it now sees the successor's promotion, not its own.
    expect((await deposed.load()).promotion).toMatchObject({ id: 'p', to: 'cache-1' });
  });

  it('lets two stores race to create the record and keeps exactly one of them', async () => {
    const other = new RecordStore({ client: api, namespace: NS, statefulSet: 'race', ownerUid: () => undefined, seed: () => emptyRecord });
    const another = new RecordStore({ client: api, namespace: NS, statefulSet: 'race', ownerUid: () => undefined, seed: () => emptyRecord });
    await Promise.all([other.load(), another.load()]);
    const results = await Promise.allSettled([other.save(rec({ epoch: 1, primary: 'a' })), another.save(rec({ epoch: 1, primary: 'b' }))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'E_PROMOTION_STORE', conflict: true } });
  });
});
