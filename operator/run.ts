/**
 * The operator process, shared by its entry points (main.ts, and operator/chaos/pausing-main.ts
 * for one chaos test). Env: KUBECONFIG (or in-cluster), WATCH_NAMESPACE, METRICS_PORT
 * (/metrics, /healthz, /readyz), LEADER_ELECTION (true), LEADER_ELECTION_NAMESPACE,
 * LEASE_DURATION_MS (15000), POD_NAME (identity). SIGTERM: release the lease, finish
 * in-flight reconciles, close watches, exit.
 */
import { createLogger } from '../lib/1-ground/log.js';
import { operatorConfig } from './config.js';
import { RedisFailoverController, type SeamsDecorator } from './failover/controller.js';
import { startOpsServer } from './http.js';
import { HttpKubeClient } from '../lib/2-kube/client.js';
import { systemClock } from '../lib/1-ground/clock.js';
import { Manager } from './manager.js';
import { operatorMetrics } from './metrics.js';
import { CachePolicyController } from './policy/controller.js';

/** What an entry point may add to the operator; production's main adds nothing. */
export interface OperatorExtensions {
  /** Wraps each failover brain's seams (operator/chaos/pausing-main.ts slows its steps for a chaos test). */
  readonly decorateFailoverSeams?: SeamsDecorator;
}

export async function runOperator(ext: OperatorExtensions = {}): Promise<void> {
  const config = operatorConfig();
  const logger = createLogger({ component: 'herdguard-operator', identity: config.identity });
  const metrics = operatorMetrics();
  const client = new HttpKubeClient({
    userAgent: `herdguard-operator/${config.identity}`,
    onRequest: (verb, resource) => metrics.apiRequests.inc({ verb, resource }),
  });
  // One brain per Redis StatefulSet; its promotion counters start at 0 as soon as a Redis is known.
  // Every mutating step of a promotion first checks the Lease is still ours (manager is set below, before any tick).
  const failover: RedisFailoverController = new RedisFailoverController({
    registry: metrics.registry,
    leadership: (): Promise<void> => manager.ensureLeading(),
    ...(ext.decorateFailoverSeams ? { decorateSeams: ext.decorateFailoverSeams } : {}),
  });
  const manager = new Manager({
    client,
    controllers: [new CachePolicyController(metrics.policyGenerationDesired), failover],
    identity: config.identity,
    ...(config.watchNamespace ? { namespace: config.watchNamespace } : {}),
    leaderElection: config.leaderElection,
    clock: systemClock,
    logger,
    metrics,
  });
  const server = await startOpsServer(config.metricsPort, metrics.registry, () => manager.ready);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    manager
      .stop()
      .then(() => failover.close())
      .then(() => {
        client.close();
        server.close();
        logger.info('stopped');
      })
      .catch((err: unknown) => {
        logger.error('unclean shutdown', { err });
        process.exitCode = 1;
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  logger.info('starting', { watchNamespace: config.watchNamespace ?? '(all)', metricsPort: config.metricsPort });
  await manager.start();
  logger.info('started', { leaderElection: config.leaderElection !== false });
}

