/**
 * **contract** between the services and the operator: the Pod annotation a service writes
 * when it refuses a policy generation, beside herdguard.io/applied-generation (which keeps
 * naming the last generation it applied). The operator reads it into the CachePolicy's
 * PolicyApplied condition. Value: "<policy>/<generation> <reason>: <message>".
 */
import type { PolicyIdentity, PolicyReloadReason } from './source.js';

export const POLICY_REFUSED_ANNOTATION = 'herdguard.io/policy-refused';
/** Annotations share 256 KiB per object; one refusal needs far less to be understood. */
export const MAX_REFUSAL_MESSAGE = 1024;

export interface Refusal extends PolicyIdentity {
  readonly reason: string;
  readonly message: string;
}

export function refusalAnnotationValue(r: PolicyIdentity & { reason: PolicyReloadReason; message: string }): string {
  const message = r.message.length > MAX_REFUSAL_MESSAGE ? `${r.message.slice(0, MAX_REFUSAL_MESSAGE - 1)}…` : r.message;
  return `${r.policy}/${r.generation} ${r.reason}: ${message}`;
}

/** The refusal an annotation records, or null when absent or not in the contract's format. */
export function parseRefusalAnnotation(value: string | undefined): Refusal | null {
  const m = value === undefined ? null : /^([^/\s]+)\/(\d+) ([a-z]+): ([\s\S]*)$/.exec(value);
  if (!m) return null;
  return { policy: m[1] as string, generation: Number(m[2]), reason: m[3] as string, message: m[4] as string };
}
