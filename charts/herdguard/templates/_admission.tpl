{{/*
Shared pieces of the chart's ValidatingAdmissionPolicies (docs/adr/0010-least-privilege.md).
RBAC decides which verbs a ServiceAccount holds; these policies decide which fields a write
may change, which RBAC cannot express.
*/}}

{{/* A cluster-scoped policy name unique per release and namespace. Args: root, what. */}}
{{- define "herdguard.admission.name" -}}
{{- printf "%s-%s-%s" (include "herdguard.fullname" .root) .root.Release.Namespace .what | trunc 253 | trimSuffix "-" -}}
{{- end -}}

{{/* The username a ServiceAccount of the release authenticates as. Args: root, component. */}}
{{- define "herdguard.admission.serviceAccountUser" -}}
{{- printf "system:serviceaccount:%s:%s" .root.Release.Namespace (include "herdguard.componentName" .) -}}
{{- end -}}

{{/* Old and new labels and annotations, empty maps when unset, for the metadata checks below. */}}
{{- define "herdguard.admission.metadataVariables" -}}
- name: oldLabels
  expression: "has(oldObject.metadata.labels) ? oldObject.metadata.labels : {}"
- name: newLabels
  expression: "has(object.metadata.labels) ? object.metadata.labels : {}"
- name: oldAnnotations
  expression: "has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}"
- name: newAnnotations
  expression: "has(object.metadata.annotations) ? object.metadata.annotations : {}"
{{- end -}}

{{/* Finalizers and owner references stay as they were (who deletes and who owns the object). */}}
{{- define "herdguard.admission.ownershipUnchanged" -}}
- expression: >-
    (has(object.metadata.finalizers) ? object.metadata.finalizers : []) ==
    (has(oldObject.metadata.finalizers) ? oldObject.metadata.finalizers : []) &&
    (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) ==
    (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])
  message: finalizers and ownerReferences must not change
  reason: Forbidden
{{- end -}}

{{/* The binding shared by every policy: deny, in the release's namespace only. Args: root, what. */}}
{{- define "herdguard.admission.binding" -}}
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: {{ include "herdguard.admission.name" . }}
  labels:
    {{- include "herdguard.labels" .root | nindent 4 }}
spec:
  policyName: {{ include "herdguard.admission.name" . }}
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: {{ .namespace }}
{{- end -}}
