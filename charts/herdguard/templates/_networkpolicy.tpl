{{/*
Pieces of templates/networkpolicies.yaml: one NetworkPolicy per component of the release,
ingress and egress, built as data and rendered with toYaml.
*/}}

{{/* A NetworkPolicy peer selecting one component of the release. Args: root, component. */}}
{{- define "herdguard.np.peer" -}}
podSelector:
  matchLabels:
    {{- include "herdguard.selectorLabels" . | nindent 4 }}
{{- end -}}

{{/*
Egress rule to the API server: networkPolicies.apiServer.cidrs; when empty, the endpoints of
the `kubernetes` Service looked up at install (one /32 or /128 each); when there is no cluster
to ask (`helm template`, GitOps renders), any address. Ports: networkPolicies.apiServer.ports.
*/}}
{{- define "herdguard.np.apiServerEgress" -}}
{{- $cidrs := .Values.networkPolicies.apiServer.cidrs | default list -}}
{{- if not $cidrs -}}
{{- $slice := lookup "discovery.k8s.io/v1" "EndpointSlice" "default" "kubernetes" -}}
{{- range $ep := ($slice.endpoints | default list) -}}
{{- range $a := $ep.addresses -}}
{{- $cidrs = append $cidrs (printf "%s/%s" $a (ternary "128" "32" (contains ":" $a))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if not $cidrs -}}{{- $cidrs = list "0.0.0.0/0" "::/0" -}}{{- end -}}
to:
  {{- range $c := $cidrs }}
  - ipBlock: {cidr: {{ $c | quote }}}
  {{- end }}
ports:
  {{- range $p := .Values.networkPolicies.apiServer.ports }}
  - {port: {{ $p }}, protocol: TCP}
  {{- end }}
{{- end -}}

{{/*
One NetworkPolicy. Args: root, component, ingress and egress (lists of rules; empty: nothing
allowed that way). networkPolicies.extraEgress.<component> is appended to the egress.
*/}}
{{- define "herdguard.np.policy" -}}
{{- $extra := index .root.Values.networkPolicies.extraEgress .component | default list -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "herdguard.componentName" (dict "root" .root "component" .component) }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "herdguard.componentLabels" (dict "root" .root "component" .component) | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "herdguard.selectorLabels" (dict "root" .root "component" .component) | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress: {{- if .ingress }}{{ toYaml .ingress | nindent 4 }}{{ else }} []{{ end }}
  egress: {{- if (concat .egress $extra) }}{{ toYaml (concat .egress $extra) | nindent 4 }}{{ else }} []{{ end }}
{{- end -}}
