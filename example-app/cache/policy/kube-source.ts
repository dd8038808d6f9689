/**
 * Live policy from the operator's ConfigMap, through an API watch (list+watch of that one
 * ConfigMap, relist on 410, reconnect with backoff). After a policy is applied, the
 * service records it on its own Pod (annotation herdguard.io/applied-generation), which is
 * how the operator counts status.targets.applied.
 *
 * Env: KUBECONFIG or the in-cluster service account, HERDGUARD_POLICY_CONFIGMAP=<namespace>/<name>,
 * and POD_NAME/POD_NAMESPACE for the annotation. Importing this module registers the source
 * with the service kit, so a service needs only this import to accept the API source.
 */
import { HttpKubeClient, type KubeClient } from '../../../operator/kube/client.js';
import { Informer } from '../../../operator/kube/informer.js';
import { resources } from '../../../operator/kube/resources.js';
import { APPLIED_GENERATION_ANNOTATION, POLICY_KEY, appliedGenerationValue } from '../../../operator/names.js';
import type { ConfigMapObject } from '../../../operator/policy/types.js';
import { registerPolicySource, type SourceFactory } from '../../service-kit/policy.js';
import { HerdguardError, InvalidOptionError, PolicyInvalidError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { parsePolicyDocument } from './load.js';
import { PolicyReloadError, type PolicyReloadReason, type PolicySource, type PolicyUpdate } from './source.js';

export interface KubePolicySourceOptions {
  readonly namespace: string;
  readonly configMap: string;
  readonly client?: KubeClient;
  /** This service's own Pod; when set, applied generations are written to its annotation. */
  readonly pod?: { readonly namespace: string; readonly name: string };
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

/** Records on the Pod which policy generation it now runs (merge patch of one annotation). */
export async function annotateAppliedGeneration(
  client: KubeClient,
  pod: { namespace: string; name: string },
  policy: string,
  generation: number,
): Promise<void> {
  await client.mergePatch({ res: resources.pods, namespace: pod.namespace, name: pod.name }, {
    metadata: { annotations: { [APPLIED_GENERATION_ANNOTATION]: appliedGenerationValue(policy, generation) } },
  });
}

export class KubePolicySource implements PolicySource {
  private informer: Informer<ConfigMapObject> | undefined;
  private lastText: string | undefined;
  private reporting: Promise<void> = Promise.resolve();
  private readonly client: KubeClient;
  private readonly logger: Logger;

  constructor(private readonly o: KubePolicySourceOptions) {
    this.client = o.client ?? new HttpKubeClient({ userAgent: 'herdguard-service' });
    this.logger = (o.logger ?? silentLogger).child({ configMap: `${o.namespace}/${o.configMap}` });
  }

  async start(onUpdate: (u: PolicyUpdate) => void): Promise<void> {
    let first: (() => void) | undefined;
    const delivered = new Promise<void>((resolve) => (first = resolve));
    const handle = (cm: ConfigMapObject | undefined) => {
      const u = this.read(cm);
      if (!u) return;
      onUpdate(u);
      first?.();
      this.report(u);
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
      onDelete: () => this.refuse(PolicyReloadError.Missing, new Error('the policy ConfigMap was deleted')),
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
    await this.reporting;
  }

  private read(cm: ConfigMapObject | undefined): PolicyUpdate | undefined {
    const text = cm?.data?.[POLICY_KEY];
    if (text === undefined) {
      this.refuse(PolicyReloadError.Missing, new Error(cm ? `key ${POLICY_KEY} is missing` : 'the policy ConfigMap does not exist (yet)'));
      return undefined;
    }
    if (text === this.lastText) return undefined;
    this.lastText = text;
    try {
      return parsePolicyDocument(text);
    } catch (err) {
      this.refuse(err instanceof PolicyInvalidError ? PolicyReloadError.Invalid : PolicyReloadError.Unreadable, err);
      return undefined;
    }
  }

  /** Annotations are written in order; a failure is logged and the next update writes again. */
  private report(u: PolicyUpdate): void {
    const pod = this.o.pod;
    if (!pod) return;
    this.reporting = this.reporting.then(() =>
      annotateAppliedGeneration(this.client, pod, u.policy.name, u.policy.generation).catch((err: unknown) =>
        this.logger.warn('could not record the applied generation on the pod', { err, pod: pod.name }),
      ),
    );
  }

  private refuse(reason: PolicyReloadReason, err: unknown): void {
    this.logger.error('policy update refused; the last good policy stays in force', {
      reason,
      problems: err instanceof PolicyInvalidError ? err.problems : undefined,
      err,
    });
    this.o.onError?.(reason, err);
  }
}

/** Chosen when HERDGUARD_POLICY_CONFIGMAP is set. */
export const kubePolicySourceFactory: SourceFactory = (o, countError) => {
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

registerPolicySource(kubePolicySourceFactory);
