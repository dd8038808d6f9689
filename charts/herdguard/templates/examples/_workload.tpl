{{/*
One example workload: ServiceAccount (+ Role when it applies a live policy), Deployment,
Service and PodDisruptionBudget. Args: root, component, values, policy (bool), env (YAML list),
sysctls (optional list of {name, value}: namespaced, safe sysctls of the pod).
*/}}
{{- define "herdguard.example.workload" -}}
{{- $root := .root -}}
{{- $name := include "herdguard.componentName" (dict "root" $root "component" .component) -}}
{{- $v := .values -}}
{{- $labels := include "herdguard.componentLabels" (dict "root" $root "component" .component) -}}
{{- $selector := include "herdguard.selectorLabels" (dict "root" $root "component" .component) -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- $labels | nindent 4 }}
automountServiceAccountToken: {{ .policy }}
{{- if .policy }}
---
# docs/adr/0010-least-privilege.md. Every verb has its call site:
# list, watch: the informer on its own rendered policy ConfigMap (lib/4-cache/sources/kube-source.ts start;
#   a metadata.name field selector, which RBAC matches against resourceNames).
# patch: the applied-generation / policy-refused annotations on its own Pod (lib/4-cache/sources/pod-report.ts
#   reportToPod). Pod names are random, so RBAC cannot name the Pod: pod-report-policy.yaml admits
#   only the Pod the token is bound to, and only those two annotations.
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- $labels | nindent 4 }}
rules:
  - apiGroups: [""]
    resources: [configmaps]
    resourceNames: [{{ include "herdguard.policyConfigMap" (dict "policy" $name) | quote }}]
    verbs: [list, watch]
  - apiGroups: [""]
    resources: [pods]
    verbs: [patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- $labels | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {{ $name }}
subjects:
  - kind: ServiceAccount
    name: {{ $name }}
    namespace: {{ $root.Release.Namespace }}
{{- end }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- $labels | nindent 4 }}
spec:
  replicas: {{ $v.replicas }}
  selector:
    matchLabels:
      {{- $selector | nindent 6 }}
  strategy:
    type: RollingUpdate
    # One pod at a time: each new pod starts with an empty L1.
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata:
      labels:
        {{- $labels | nindent 8 }}
    spec:
      serviceAccountName: {{ $name }}
      {{- with (include "herdguard.imagePullSecrets" $root) }}{{ . | nindent 6 }}{{- end }}
      securityContext:
        {{- include "herdguard.podSecurityContext" $root | nindent 8 }}
        {{- with .sysctls }}
        sysctls: {{ toJson . }}
        {{- end }}
      terminationGracePeriodSeconds: 30
      containers:
        - name: {{ .component }}
          image: {{ include "herdguard.image" (dict "root" $root "which" "services") }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args: [{{ .entrypoint | quote }}]
          securityContext:
            {{- include "herdguard.containerSecurityContext" $root | nindent 12 }}
          env:
            {{- include "herdguard.examples.podEnv" (dict "port" $v.port) | nindent 12 }}
            - name: HERDGUARD_SERVICE_NAME
              value: {{ .component | quote }}
            {{- if .policy }}
            - name: HERDGUARD_POLICY_CONFIGMAP
              value: {{ printf "%s/%s" $root.Release.Namespace (include "herdguard.policyConfigMap" (dict "policy" $name)) | quote }}
            {{- end }}
            {{- with .env }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with $v.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          ports:
            - {name: http, containerPort: {{ $v.port }}, protocol: TCP}
          startupProbe:
            httpGet: {path: /healthz, port: http}
            periodSeconds: 2
            failureThreshold: 30
          livenessProbe:
            httpGet: {path: /healthz, port: http}
            periodSeconds: 10
            failureThreshold: 3
          readinessProbe:
            httpGet: {path: /readyz, port: http}
            periodSeconds: 3
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          volumeMounts:
            - {name: tmp, mountPath: /tmp}
      volumes:
        - name: tmp
          emptyDir: {sizeLimit: 16Mi}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- $labels | nindent 4 }}
spec:
  selector:
    {{- $selector | nindent 4 }}
  ports:
    - {name: http, port: {{ $v.port }}, targetPort: http, protocol: TCP}
{{- if and $root.Values.examples.podDisruptionBudget.enabled (gt (int $v.replicas) 1) }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- $labels | nindent 4 }}
spec:
  minAvailable: {{ $root.Values.examples.podDisruptionBudget.minAvailable }}
  selector:
    matchLabels:
      {{- $selector | nindent 6 }}
{{- end }}
{{- end -}}
