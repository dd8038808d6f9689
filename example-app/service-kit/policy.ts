/**
 * Wires a service to its live policy: picks the source from the environment, applies
 * each valid update through `onUpdate`, and keeps the policy metrics (applied generation,
 * refused updates) so the operator and the alerts can see what a pod runs.
 */
import type { Registry } from 'prom-client';
import type { Logger } from '../cache/log.js';
import { metrics } from '../cache/metrics/names.js';
import { counter, gauge } from '../cache/metrics/prom.js';
import { FilePolicySource } from '../cache/policy/file-source.js';
import type { PolicyReporter, PolicySource, PolicyUpdate } from '../cache/policy/source.js';
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

/** Extra policy sources (the API-watch one) register here, so this module needs no kube client. */
export type SourceFactory = (o: LivePolicyOptions, countError: (reason: string) => void) => PolicySource | null;
const factories: SourceFactory[] = [];
export function registerPolicySource(f: SourceFactory): void {
  factories.push(f);
}

/** Reporters of applied/refused generations to the operator, for the file source (kube-source registers one). */
export type ReporterFactory = (o: LivePolicyOptions) => PolicyReporter | null;
const reporterFactories: ReporterFactory[] = [];
export function registerPolicyReporter(f: ReporterFactory): void {
  reporterFactories.push(f);
}

export async function startLivePolicy(o: LivePolicyOptions): Promise<LivePolicy> {
  // The API source ships with every service (no --import preload needed). Loaded here, not
  // by a static import: kube-source.ts imports this module to register itself, and in that
  // cycle it would run before `factories` exists.
  const file = o.env['HERDGUARD_POLICY_FILE'];
  const reportable = Boolean(file && o.env['POD_NAME'] && (o.env['KUBECONFIG'] || o.env['KUBERNETES_SERVICE_HOST']));
  if (o.env['HERDGUARD_POLICY_CONFIGMAP'] || reportable) await import('../cache/policy/kube-source.js');
  const applied = gauge(o.registry, metrics.policyGenerationApplied);
  const errors = counter(o.registry, metrics.policyReloadErrors);
  const countError = (reason: string) => errors.inc({ service: o.service, reason });
  const reporter = reportable ? reporterFactories.map((f) => f(o)).find((r) => r !== null) : undefined;
  const source =
    factories.map((f) => f(o, countError)).find((s) => s !== null) ??
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
