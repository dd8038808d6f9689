/**
 * What the operator calls, per resource (operator/policy/controller.ts, operator/kube/*):
 * the Role must grant exactly this. dry-run.kube.test.ts checks it by impersonation.
 */
export const OPERATOR_RULES = [
  { apiGroups: ['herdguard.io'], resources: ['cachepolicies'], verbs: ['list', 'watch', 'patch'] },
  { apiGroups: ['herdguard.io'], resources: ['cachepolicies/status'], verbs: ['patch'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch', 'patch'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create'] },
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['list', 'watch'] },
];
