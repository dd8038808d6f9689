/**
 * propagation: `kubectl apply` of a changed CachePolicy → every one of 3 running service
 * instances has applied it (each records the generation on its own Pod). Times are taken
 * from just before kubectl starts to the moment the last Pod annotation arrives on a watch.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { HttpKubeClient } from '../../lib/2-kube/client.js';
import { Informer } from '../../lib/2-kube/informer.js';
import { resources, type KubeObject } from '../../lib/2-kube/resources.js';
import { APPLIED_GENERATION_ANNOTATION, appliedGenerationValue } from '../../lib/3-policy/names.js';
import type { Scenario } from './scenario.js';
import { percentile } from './stats.js';

const NS = 'herdguard-e2e';
const SERVICE = 'market-data';
const REPLICAS = 3;

const spec = (ttlSeconds: number) => ({
  targetRef: { kind: 'Deployment', name: SERVICE },
  keyspaces: [{ prefix: 'quote:', ttl: `${ttlSeconds}s`, jitter: { max: '500ms' }, staleWhileRevalidate: '5s' }],
});


export const propagation: Scenario = {
  name: 'propagation',
  description: `kubectl apply of a changed policy until all ${REPLICAS} instances applied it; p50/p99 over 50 changes`,
  async run(ctx) {
    const changes = ctx.quick ? 10 : 50;
    await ctx.provider.deployStack({ namespace: NS, services: [{ name: SERVICE, replicas: REPLICAS, policySpec: spec(2) }] });
    const kc = new KubeConfig();
    kc.loadFromFile(ctx.provider.kubeconfigPath);
    const client = new HttpKubeClient({ kubeConfig: kc, userAgent: 'herdguard-e2e' });
    const pods = new Informer<KubeObject>({ client, res: resources.pods, namespace: NS, labelSelector: ctx.provider.podSelector(SERVICE) });
    const manifest = (ttlSeconds: number) => JSON.stringify(ctx.provider.cachePolicy(NS, { name: SERVICE, replicas: REPLICAS, policySpec: spec(ttlSeconds) }));
    let waiting: { want: string; resolve: () => void } | undefined;
    const check = () => {
      const all = pods.list();
      if (waiting && all.length >= REPLICAS && all.every((p) => p.metadata.annotations?.[APPLIED_GENERATION_ANNOTATION] === waiting?.want)) {
        waiting.resolve();
      }
    };
    pods.on({ onAdd: check, onUpdate: check });
    await pods.start();
    const latencies: number[] = [];
    try {
      for (let i = 0; i < changes; i++) {
        const started = performance.now();
        const applied = new Promise<void>((resolve) => (waiting = { want: '', resolve }));
        const out = await ctx.provider.kubectl(['apply', '-f', '-', '-o', 'jsonpath={.metadata.generation}'], manifest(3 + i));
        waiting!.want = appliedGenerationValue(ctx.provider.policyName(SERVICE), Number(out.trim()));
        check();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          applied,
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`change ${i + 1} was not applied by all ${REPLICAS} pods within 30 s`)), 30_000))),
        ]).finally(() => clearTimeout(timer));
        latencies.push(performance.now() - started);
        if ((i + 1) % 10 === 0) ctx.log(`${i + 1}/${changes} changes applied (last ${latencies.at(-1)?.toFixed(0)} ms)`);
      }
    } finally {
      await pods.stop();
      client.close();
    }
    return {
      changes,
      instances: REPLICAS,
      propagationP50Ms: Math.round(percentile(latencies, 50)),
      propagationP99Ms: Math.round(percentile(latencies, 99)),
      propagationMaxMs: Math.round(Math.max(...latencies)),
      targetP99Ms: 2000,
    };
  },
};
