/**
 * Wires a service to its live policy: picks the source from the environment, applies
 * each valid update through `onUpdate`, and keeps the policy metrics (applied generation,
 * refused updates) so the operator and the alerts can see what a pod runs.
 */
import type { Registry } from 'prom-client';
import type { Logger } from '../../lib/1-ground/log.js';
import { metrics } from '../../lib/1-ground/metric-names.js';
import { counter, gauge } from '../../lib/1-ground/prom.js';
import { FilePolicySource } from '../../lib/4-cache/sources/file-source.js';
import type { PolicySource, PolicyUpdate } from '../../lib/3-policy/source.js';
import type { Env } from './env.js';

export interface LivePolicyOptions {
  readonly env: Env;
  readonly service: string;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Applies an update in place (no restart: a restart would empty L1 and cause a stampede). */
  readonly onUpdate: (u: PolicyUpdate) => void;
}

export interface LivePolicy {
  /** Null when no source is configured and the service runs on its built-in default. */
  readonly source: PolicySource | null;
  stop(): Promise<void>;
}

export async function startLivePolicy(o: LivePolicyOptions): Promise<LivePolicy> {
  const file = o.env['HERDGUARD_POLICY_FILE'];
  const reportable = Boolean(file && o.env['POD_NAME'] && (o.env['KUBECONFIG'] || o.env['KUBERNETES_SERVICE_HOST']));
  // Loaded only when used: a service without the API source never loads the kube client.
  const kube = o.env['HERDGUARD_POLICY_CONFIGMAP'] || reportable ? await import('../../lib/4-cache/sources/kube-source.js') : null;
  const applied = gauge(o.registry, metrics.policyGenerationApplied);
  const errors = counter(o.registry, metrics.policyReloadErrors);
  const countError = (reason: string) => errors.inc({ service: o.service, reason });
  const reporter = reportable ? (kube?.podReporterFactory(o) ?? undefined) : undefined;
  const source =
    kube?.kubePolicySourceFactory(o, countError) ??
    (file
      ? new FilePolicySource({ path: file, logger: o.logger, onError: (reason) => countError(reason), ...(reporter ? { reporter } : {}) })
      : null);
  if (!source) return { source: null, stop: () => Promise.resolve() };
  // A throw from onUpdate refuses that policy: the source logs, counts and reports it.
  await source.start((u) => {
    o.onUpdate(u);
    applied.set({ service: o.service, policy: u.policy.name }, u.policy.generation);
    o.logger.info('policy applied', { policy: u.policy.name, generation: u.policy.generation });
  });
  return { source, stop: () => source.stop() };
}
