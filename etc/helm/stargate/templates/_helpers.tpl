{{/* Names and labels. */}}
{{- define "stargate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "stargate.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels common to every object; call with (dict "ctx" $ "component" "node"). */}}
{{- define "stargate.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
{{ include "stargate.selectorLabels" . }}
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The labels a selector matches: name, instance, component. */}}
{{- define "stargate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "stargate.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "stargate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "stargate.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "stargate.image" -}}
{{- printf "%s:%s" .image.repository (default .ctx.Chart.AppVersion .image.tag | toString) -}}
{{- end -}}

{{/* Mode checks, evaluated by every template that depends on them. */}}
{{- define "stargate.etcdMode" -}}
{{- if eq .Values.mode "etcd" -}}true{{- else if eq .Values.mode "standalone" -}}{{- else -}}
{{- fail (printf "mode must be etcd or standalone, got %q" .Values.mode) -}}
{{- end -}}
{{- end -}}

{{/* Comma-separated etcd client URLs: the in-chart members, or the external endpoints. */}}
{{- define "stargate.etcdEndpoints" -}}
{{- if .Values.etcd.enabled -}}
{{- $fullname := include "stargate.fullname" . -}}
{{- $urls := list -}}
{{- range $i := until (int .Values.etcd.replicas) -}}
{{- $urls = append $urls (printf "http://%s-etcd-%d.%s-etcd-headless.%s.svc:%d" $fullname $i $fullname $.Release.Namespace (int $.Values.etcd.clientPort)) -}}
{{- end -}}
{{- join "," $urls -}}
{{- else -}}
{{- if not .Values.etcd.externalEndpoints -}}
{{- fail "etcd.enabled=false needs etcd.externalEndpoints (client URLs of your etcd)" -}}
{{- end -}}
{{- join "," .Values.etcd.externalEndpoints -}}
{{- end -}}
{{- end -}}

{{/* Node pod's terminationGracePeriodSeconds: longer than the preStop sleep plus the drain. */}}
{{- define "stargate.nodeGracePeriod" -}}
{{- $floor := add (int .Values.node.preStopSleepSeconds) (int .Values.node.drainTimeoutSeconds) -}}
{{- if .Values.node.terminationGracePeriodSeconds -}}
{{- if le (int .Values.node.terminationGracePeriodSeconds) $floor -}}
{{- fail (printf "node.terminationGracePeriodSeconds (%d) must be greater than preStopSleepSeconds + drainTimeoutSeconds (%d)" (int .Values.node.terminationGracePeriodSeconds) $floor) -}}
{{- end -}}
{{- int .Values.node.terminationGracePeriodSeconds -}}
{{- else -}}
{{- add $floor 10 -}}
{{- end -}}
{{- end -}}

{{/* Whether the controller has an auth source (it binds 127.0.0.1 without one). */}}
{{- define "stargate.controllerApiKeys" -}}
{{- with .Values.controller.auth.apiKeys -}}
{{- if or .generate .entries .existingSecret -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{- define "stargate.controllerJwt" -}}
{{- with .Values.controller.auth.jwt -}}
{{- if .issuer -}}
{{- if not (or .publicKey .existingSecret) -}}
{{- fail "controller.auth.jwt.issuer needs controller.auth.jwt.publicKey or existingSecret" -}}
{{- end -}}
true
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "stargate.gitSecret" -}}
{{- with .Values.controller.git -}}
{{- if or .token .webhookSecret .existingSecret -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{/* The --api-keys file: the generated admin key's hash, then the given entries (hashes only). */}}
{{- define "stargate.apiKeysFile" -}}
{{- $entries := list -}}
{{- if .generate -}}
{{- $entries = append $entries (dict "name" "admin" "key_sha256" (sha256sum .key) "role" "admin") -}}
{{- end -}}
{{- range .entries -}}
{{- if not (and .name .key_sha256 (has .role (list "admin" "viewer"))) -}}
{{- fail "controller.auth.apiKeys.entries: each entry needs name, key_sha256 and role admin|viewer" -}}
{{- end -}}
{{- $entries = append $entries (dict "name" .name "key_sha256" .key_sha256 "role" .role) -}}
{{- end -}}
{{- toYaml $entries -}}
{{- end -}}
