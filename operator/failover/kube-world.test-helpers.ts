/**
 * The failover controller's kube tests share their world: a real kube-apiserver with the CRD,
 * a namespace and a Redis StatefulSet; the test plays the kubelet (a Pod object per Redis
 * node, with its address, port and readiness); and the operator's manager running the policy
 * and failover controllers.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { renderCrdYaml } from '../../crds/generate.js';
import { startControlPlane, type ControlPlane } from '../../testkit/control-plane/control-plane.js';
import type { RedisServer } from '../../testkit/redis.js';
import { systemClock } from '../../lib/1-ground/clock.js';
import { silentLogger } from '../../lib/1-ground/log.js';
import { HttpKubeClient } from '../../lib/2-kube/client.js';
import { resources } from '../../lib/2-kube/resources.js';
import { Manager } from '../manager.js';
import { operatorMetrics } from '../metrics.js';
import { CachePolicyController } from '../policy/controller.js';
import { RedisFailoverController } from './controller.js';
import { REDIS_PORT_ANNOTATION } from './kube-seams.js';

export interface KubeWorld {
  readonly cp: ControlPlane;
  readonly api: HttpKubeClient;
}

/** The API server with the CRD, namespace `ns` and a StatefulSet `redis` of `replicas` pods. */
export async function startKubeWorld(ns: string, replicas: number, userAgent: string): Promise<KubeWorld> {
  const cp = await startControlPlane();
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const api = new HttpKubeClient({ kubeConfig: kc, userAgent });
  await cp.kubectl(['apply', '-f', '-'], renderCrdYaml());
  await cp.kubectl(['wait', '--for', 'condition=established', '--timeout=60s', 'crd/cachepolicies.herdguard.io']);
  await api.create({ res: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace' } }, { metadata: { name: ns } });
  await api.create({ res: resources.statefulSets, namespace: ns }, {
    metadata: { name: 'redis' },
    spec: {
      replicas,
      serviceName: 'redis',
      selector: { matchLabels: { app: 'redis' } },
      template: { metadata: { labels: { app: 'redis' } }, spec: { containers: [{ name: 'redis', image: 'redis' }] } },
    },
  });
  return { cp, api };
}

/** What the kubelet would report for a running Redis pod: its IP, the server's port, Ready. */
export async function redisPod(api: HttpKubeClient, ns: string, name: string, s: RedisServer): Promise<void> {
  await api.create({ res: resources.pods, namespace: ns }, {
    metadata: { name, labels: { app: 'redis' }, annotations: { [REDIS_PORT_ANNOTATION]: String(s.port) } },
    spec: { containers: [{ name: 'redis', image: 'redis' }] },
  });
  await api.mergePatch({ res: resources.pods, namespace: ns, name, subresource: 'status' }, {
    status: { phase: 'Running', podIP: s.host, conditions: [{ type: 'Ready', status: 'True' }] },
  });
}

/** The operator's manager with the policy and failover controllers, started, without leader election. */
export async function startFailoverManager(api: HttpKubeClient, ns: string, registry: Registry): Promise<{ manager: Manager; failover: RedisFailoverController }> {
  const failover = new RedisFailoverController({ registry });
  const manager = new Manager({
    client: api,
    controllers: [new CachePolicyController(), failover],
    identity: 'test',
    namespace: ns,
    leaderElection: false,
    clock: systemClock,
    logger: silentLogger,
    metrics: operatorMetrics(),
  });
  await manager.start();
  return { manager, failover };
}
