/**
 * Live policy from the operator's ConfigMap, through an API watch (list+watch of that one
 * ConfigMap, relist on 410, reconnect with backoff). What the service did with each
 * generation (applied, or refused and why) goes to the operator through pod-report.ts,
 * which is how it counts status.targets.applied and shows refusals in its conditions.
 *
 * Env: KUBECONFIG or the in-cluster service account, HERDGUARD_POLICY_CONFIGMAP=<namespace>/<name>,
 * and POD_NAME/POD_NAMESPACE for the annotation. The service kit builds it from the environment
 * with the two factories at the end of this module.
 */
import { HttpKubeClient, type KubeClient } from '../../2-kube/client.js';
import { loadKubeAuth } from '../../2-kube/kubeconfig.js';
import { Informer } from '../../2-kube/informer.js';
import { resources } from '../../2-kube/resources.js';
import { POLICY_KEY } from '../../3-policy/names.js';
import type { ConfigMapObject } from '../../3-policy/objects.js';
import { HerdguardError, InvalidOptionError } from '../../1-ground/errors.js';
import { silentLogger, type Logger } from '../../1-ground/log.js';
import { PolicyOutcomes } from '../../3-policy/outcomes.js';
import { podReporter } from './pod-report.js';
import { PolicyReloadError, type PolicyReloadReason, type PolicyReporter, type PolicySource, type PolicyUpdate } from '../../3-policy/source.js';

export interface KubePolicySourceOptions {
  readonly namespace: string;
  readonly configMap: string;
  readonly client?: KubeClient;
  /** This service's own Pod; when set (and no reporter is given), outcomes are reported on it. */
  readonly pod?: { readonly namespace: string; readonly name: string };
  readonly reporter?: PolicyReporter;
  readonly logger?: Logger;
  readonly onError?: (reason: PolicyReloadReason, err: unknown) => void;
  /** How long start() waits for a valid policy to appear (default 30 s). */
  readonly startTimeoutMs?: number;
}

/** Parses HERDGUARD_POLICY_CONFIGMAP. */
export function parseConfigMapRef(value: string): { namespace: string; name: string } {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(value);
  if (!m) throw new InvalidOptionError('HERDGUARD_POLICY_CONFIGMAP', '"<namespace>/<configmap name>", e.g. shop/profile-herdguard-policy', value);
  return { namespace: m[1] as string, name: m[3] as string };
}

export class KubePolicySource implements PolicySource {
  private informer: Informer<ConfigMapObject> | undefined;
  private readonly client: KubeClient;
  private readonly logger: Logger;
  private readonly outcomes: PolicyOutcomes;

  constructor(private readonly o: KubePolicySourceOptions) {
    this.client = o.client ?? new HttpKubeClient({ userAgent: 'herdguard-service' });
    this.logger = (o.logger ?? silentLogger).child({ configMap: `${o.namespace}/${o.configMap}` });
    const reporter = o.reporter ?? (o.pod ? podReporter(this.client, o.pod) : undefined);
    this.outcomes = new PolicyOutcomes({ logger: this.logger, onError: o.onError, reporter });
  }

  async start(onUpdate: (u: PolicyUpdate) => void): Promise<void> {
    let first: (() => void) | undefined;
    const delivered = new Promise<void>((resolve) => (first = resolve));
    const handle = (cm: ConfigMapObject | undefined) => {
      const u = this.read(cm);
      if (u && this.outcomes.apply(u, onUpdate)) first?.();
    };
    this.informer = new Informer<ConfigMapObject>({
      client: this.client,
      res: resources.configMaps,
      namespace: this.o.namespace,
      fieldSelector: `metadata.name=${this.o.configMap}`,
      logger: this.logger,
    });
    this.informer.on({
      onAdd: handle,
      onUpdate: (_old, cm) => handle(cm),
      onDelete: () => this.outcomes.refuse(PolicyReloadError.Missing, new Error('the policy ConfigMap was deleted'), null),
    });
    await this.informer.start();
    if (!this.informer.get(`${this.o.namespace}/${this.o.configMap}`)) handle(undefined);
    const timeoutMs = this.o.startTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new HerdguardError('E_POLICY_CONFIGMAP', `no valid policy in ConfigMap ${this.o.namespace}/${this.o.configMap} after ${timeoutMs}ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([delivered, timeout]);
    } catch (err) {
      await this.stop();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    await this.informer?.stop();
    await this.outcomes.flush();
  }

  private read(cm: ConfigMapObject | undefined): PolicyUpdate | undefined {
    const text = cm?.data?.[POLICY_KEY];
    if (text === undefined) {
      const err = new Error(cm ? `key ${POLICY_KEY} is missing` : 'the policy ConfigMap does not exist (yet)');
      this.outcomes.refuse(PolicyReloadError.Missing, err, null);
      return undefined;
    }
    return this.outcomes.parseNew(text);
  }
}

/** What the factories read: the process environment and where to log and count. */
export interface KubeSourceEnv {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
}

/** Chosen when HERDGUARD_POLICY_CONFIGMAP is set. */
export const kubePolicySourceFactory = (o: KubeSourceEnv, countError: (reason: string) => void): KubePolicySource | null => {
  const ref = o.env['HERDGUARD_POLICY_CONFIGMAP'];
  if (!ref) return null;
  const { namespace, name } = parseConfigMapRef(ref);
  const podName = o.env['POD_NAME'];
  const podNamespace = o.env['POD_NAMESPACE'] ?? namespace;
  return new KubePolicySource({
    namespace,
    configMap: name,
    logger: o.logger,
    onError: (reason) => countError(reason),
    ...(podName ? { pod: { namespace: podNamespace, name: podName } } : {}),
  });
};

/**
 * For the file source in a pod that can reach the API (POD_NAME and POD_NAMESPACE set):
 * outcomes are reported on the pod all the same, so the operator sees a refusal either way.
 */
export const podReporterFactory = (o: KubeSourceEnv): PolicyReporter | null => {
  const name = o.env['POD_NAME'];
  const namespace = o.env['POD_NAMESPACE'];
  if (!name || !namespace) return null;
  try {
    // The light loader (as the API source's client uses): @kubernetes/client-node is loaded only for a plugin user.
    const kubeConfig = loadKubeAuth(o.env);
    return podReporter(new HttpKubeClient({ kubeConfig, userAgent: 'herdguard-service' }), { namespace, name });
  } catch (err) {
    o.logger.warn('policy outcomes cannot be reported to the operator: no usable kubeconfig', { err });
    return null;
  }
};
