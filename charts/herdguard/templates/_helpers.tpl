{{/* Names, labels and shared fragments. */}}

{{- define "herdguard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "herdguard.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A component's object name: <fullname>-<component>, kept under 63 characters. */}}
{{- define "herdguard.componentName" -}}
{{- printf "%s-%s" (include "herdguard.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "herdguard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "herdguard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: herdguard
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component; never change after install (selectors are immutable). */}}
{{- define "herdguard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "herdguard.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "herdguard.componentLabels" -}}
{{ include "herdguard.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "herdguard.image" -}}
{{- $img := index .root.Values.image .which -}}
{{- $repo := $img.repository -}}
{{- if .root.Values.image.registry -}}{{- $repo = printf "%s/%s" .root.Values.image.registry $repo -}}{{- end -}}
{{- printf "%s:%s" $repo (default .root.Chart.AppVersion $img.tag) -}}
{{- end -}}

{{- define "herdguard.watchNamespace" -}}
{{- default .Release.Namespace .Values.operator.watchNamespace -}}
{{- end -}}

{{/* Redis */}}
{{- define "herdguard.redis.name" -}}{{ include "herdguard.componentName" (dict "root" . "component" "redis") }}{{- end -}}
{{- define "herdguard.redis.primaryService" -}}{{ printf "%s-primary" (include "herdguard.redis.name" .) }}{{- end -}}
{{- define "herdguard.redis.headlessService" -}}{{ printf "%s-headless" (include "herdguard.redis.name" .) }}{{- end -}}
{{- define "herdguard.redis.secretName" -}}
{{- default (printf "%s-auth" (include "herdguard.redis.name" .)) .Values.redis.auth.existingSecret -}}
{{- end -}}

{{/* Env entries that give a container REDIS_PASSWORD and REDIS_URL (the primary Service). */}}
{{- define "herdguard.redis.env" -}}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "herdguard.redis.secretName" . }}
      key: {{ .Values.redis.auth.existingSecretKey }}
- name: REDIS_URL
  value: {{ printf "redis://:$(REDIS_PASSWORD)@%s.%s.svc:6379" (include "herdguard.redis.primaryService" .) .Release.Namespace | quote }}
{{- end -}}

{{/* PostgreSQL */}}
{{- define "herdguard.postgresql.name" -}}{{ include "herdguard.componentName" (dict "root" . "component" "postgresql") }}{{- end -}}
{{- define "herdguard.postgresql.secretName" -}}
{{- default (printf "%s-auth" (include "herdguard.postgresql.name" .)) .Values.postgresql.auth.existingSecret -}}
{{- end -}}

{{/* DATABASE_URL for the profile service: the bundled PostgreSQL or the external one. */}}
{{- define "herdguard.database.env" -}}
{{- if and .Values.postgresql.enabled .Values.examples.enabled }}
- name: DATABASE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "herdguard.postgresql.secretName" . }}
      key: {{ .Values.postgresql.auth.existingSecretKey }}
- name: DATABASE_URL
  value: {{ printf "postgres://%s:$(DATABASE_PASSWORD)@%s.%s.svc:5432/%s" .Values.postgresql.auth.username (include "herdguard.postgresql.name" .) .Release.Namespace .Values.postgresql.auth.database | quote }}
{{- else if .Values.externalDatabase.existingSecret }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.externalDatabase.existingSecret }}
      key: {{ .Values.externalDatabase.existingSecretKey }}
{{- else }}
- name: DATABASE_URL
  value: {{ required "examples.enabled needs a database: set postgresql.enabled=true, externalDatabase.url or externalDatabase.existingSecret" .Values.externalDatabase.url | quote }}
{{- end }}
{{- end -}}

{{/* A password kept across upgrades: the value, else the existing Secret's, else a new random one. */}}
{{- define "herdguard.stablePassword" -}}
{{- if .value -}}
{{- .value | b64enc -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .secret -}}
{{- if and $existing (index $existing.data .key) -}}
{{- index $existing.data .key -}}
{{- else -}}
{{- randAlphaNum 32 | b64enc -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Hardened container defaults shared by every container of the chart. */}}
{{- define "herdguard.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}

{{- define "herdguard.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext }}
{{- end -}}

{{- define "herdguard.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets -}}
imagePullSecrets:
{{- toYaml . | nindent 2 }}
{{- end -}}
{{- end -}}

{{/* Monitoring: extra labels for ServiceMonitors, PrometheusRules and dashboards. */}}
{{- define "herdguard.monitoringLabels" -}}
{{- $l := merge (dict) (.extra | default dict) (.root.Values.monitoring.labels | default dict) -}}
{{- with $l -}}
{{ toYaml . }}
{{- end -}}
{{- end -}}

{{/* The ConfigMap the operator renders a CachePolicy into (operator/names.ts renderedConfigMapName). */}}
{{- define "herdguard.policyConfigMap" -}}
{{- printf "%s-herdguard-policy" .policy -}}
{{- end -}}

{{/* Service wiring shared by the example workloads (operator ConfigMap watch, own Pod annotation). */}}
{{- define "herdguard.examples.podEnv" -}}
- name: POD_NAME
  valueFrom: {fieldRef: {fieldPath: metadata.name}}
- name: POD_NAMESPACE
  valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
- name: PORT
  value: {{ .port | quote }}
{{- end -}}

{{/* Cross-value checks the JSON schema cannot express; rendered (empty) by the operator Deployment. */}}
{{- define "herdguard.validate" -}}
{{- if and (gt (int .Values.operator.replicas) 1) (not .Values.operator.leaderElection.enabled) -}}
{{- fail "operator.replicas > 1 needs operator.leaderElection.enabled=true: two unelected operators would both promote Redis replicas" -}}
{{- end -}}
{{- if and .Values.examples.enabled (not .Values.postgresql.enabled) (not .Values.externalDatabase.url) (not .Values.externalDatabase.existingSecret) -}}
{{- fail "examples.enabled needs a database for the profile service: set postgresql.enabled=true, externalDatabase.url or externalDatabase.existingSecret" -}}
{{- end -}}
{{- end -}}
