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

{{/* Roles with a Redis ACL user and a password in the Secret (JSON list); users.acl names their rules. */}}
{{- define "herdguard.redis.roles" -}}
{{- $roles := list "services" "operator" "replication" "probe" -}}
{{- if .Values.redis.auth.defaultUser.enabled }}{{ $roles = append $roles "default" }}{{ end -}}
{{- toJson $roles -}}
{{- end -}}

{{/* The ACL user of a role: hg-<role>, or Redis's own "default". */}}
{{- define "herdguard.redis.user" -}}
{{- if eq . "default" }}default{{ else }}{{ printf "hg-%s" . }}{{ end -}}
{{- end -}}

{{/*
Env of a Redis client (dict root, role, url): REDIS_USERNAME, REDIS_PASSWORD from the role's
Secret key and, with url, REDIS_URL of the primary Service without credentials. The client
sets user and password itself (service-kit/env.ts redisUrlFromEnv, operator/failover/auth.ts):
a password put into a URL here would be unescaped.
*/}}
{{- define "herdguard.redis.clientEnv" -}}
- name: REDIS_USERNAME
  value: {{ include "herdguard.redis.user" .role | quote }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "herdguard.redis.secretName" .root }}
      key: {{ index .root.Values.redis.auth.secretKeys .role }}
{{- if .url }}
- name: REDIS_URL
  value: {{ printf "redis://%s.%s.svc:6379" (include "herdguard.redis.primaryService" .root) .root.Release.Namespace | quote }}
{{- end }}
{{- end -}}

{{/* The services' Redis env (user hg-services). */}}
{{- define "herdguard.redis.env" -}}
{{ include "herdguard.redis.clientEnv" (dict "root" . "role" "services" "url" true) }}
{{- end -}}

{{/* The operator's Redis env (user hg-operator); it finds the pods itself, so no URL. */}}
{{- define "herdguard.redis.operatorEnv" -}}
{{ include "herdguard.redis.clientEnv" (dict "root" . "role" "operator" "url" false) }}
{{- end -}}

{{/* PostgreSQL */}}
{{- define "herdguard.postgresql.name" -}}{{ include "herdguard.componentName" (dict "root" . "component" "postgresql") }}{{- end -}}
{{- define "herdguard.postgresql.secretName" -}}
{{- default (printf "%s-auth" (include "herdguard.postgresql.name" .)) .Values.postgresql.auth.existingSecret -}}
{{- end -}}

{{/*
DATABASE_URL for the profile service and the seed Job: the bundled PostgreSQL (the URL names
the application role; its password goes in PGPASSWORD, which node-postgres reads when the URL
has none, so it is never put into a URL unescaped), or the external one.
*/}}
{{- define "herdguard.database.env" -}}
{{- if and .Values.postgresql.enabled .Values.examples.enabled }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "herdguard.postgresql.secretName" . }}
      key: {{ .Values.postgresql.auth.existingSecretKey }}
- name: DATABASE_URL
  value: {{ printf "postgres://%s@%s.%s.svc:5432/%s" .Values.postgresql.auth.username (include "herdguard.postgresql.name" .) .Release.Namespace .Values.postgresql.auth.database | quote }}
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

{{/*
A password for a Secret the chart renders (dict value, path, existing): required, and without
control characters (a newline would make Redis and PostgreSQL refuse every login). The chart
never invents one (docs/adr/0009): a random value would change on every `helm template`.
The message names the value, never its content.
*/}}
{{- define "herdguard.requiredPassword" -}}
{{- if not .value -}}
{{- fail (printf "%s is required when %s is empty: the chart never generates passwords (docs/adr/0009-credentials-from-secrets.md). Name your own Secret in %s, or set it, e.g. --set-string %s=\"$(openssl rand -hex 24)\"" .path .existing .existing .path) -}}
{{- end -}}
{{- if regexMatch "[[:cntrl:]]" .value -}}
{{- fail (printf "%s holds a control character (a trailing newline?): every login with it would be refused" .path) -}}
{{- end -}}
{{- .value -}}
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

{{/* The ConfigMap the operator renders a CachePolicy into (lib/3-policy/names.ts renderedConfigMapName). */}}
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
