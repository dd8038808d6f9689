/**
 * How a service tells the operator what it did with a policy generation: today, two
 * annotations on its own Pod (merge patch). Everything about that channel is in
 * `reportToPod`, so moving the report elsewhere (least privilege) changes this file only.
 */
import type { KubeClient } from '../../2-kube/client.js';
import { resources } from '../../2-kube/resources.js';
import { APPLIED_GENERATION_ANNOTATION, appliedGenerationValue } from '../../3-policy/names.js';
import { POLICY_REFUSED_ANNOTATION, refusalAnnotationValue } from '../../3-policy/refusal.js';
import type { PolicyOutcome, PolicyReporter } from '../../3-policy/source.js';

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
}

/** Records an outcome on the Pod: applied sets the generation and clears a refusal; refused records why. */
export async function reportToPod(client: KubeClient, pod: PodRef, outcome: PolicyOutcome): Promise<void> {
  const annotations =
    outcome.kind === 'applied'
      ? {
          [APPLIED_GENERATION_ANNOTATION]: appliedGenerationValue(outcome.policy, outcome.generation),
          [POLICY_REFUSED_ANNOTATION]: null,
        }
      : { [POLICY_REFUSED_ANNOTATION]: refusalAnnotationValue(outcome) };
  await client.mergePatch({ res: resources.pods, namespace: pod.namespace, name: pod.name }, { metadata: { annotations } });
}

export const podReporter = (client: KubeClient, pod: PodRef): PolicyReporter => ({
  report: (outcome) => reportToPod(client, pod, outcome),
});
