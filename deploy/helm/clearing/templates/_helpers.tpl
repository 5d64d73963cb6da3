{{/* Names. "clearing" for a release named clearing; "<release>-clearing" otherwise, as Helm charts usually do. */}}
{{- define "clearing.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "clearing.fullname" -}}
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

{{/* Labels on every object. */}}
{{- define "clearing.labels" -}}
{{- if .Values.helmLabels -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{ end -}}
app.kubernetes.io/part-of: clearing
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* Labels of one service's objects (the common labels plus its name); call with (dict "root" $ "name" $name). */}}
{{- define "clearing.serviceLabels" -}}
{{ include "clearing.labels" .root }}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/component: service
{{- end -}}

{{- define "clearing.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Object name of a service's Deployment/StatefulSet/Service/ServiceAccount: "<fullname>-<service>". */}}
{{- define "clearing.serviceFullname" -}}
{{- printf "%s-%s" (include "clearing.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The effective values of one service: serviceDefaults deep-merged with services.<name>. Returns YAML. */}}
{{- define "clearing.serviceValues" -}}
{{- $override := index .root.Values.services .name | default dict -}}
{{- $merged := mergeOverwrite (deepCopy .root.Values.serviceDefaults) (deepCopy $override) -}}
{{- toYaml $merged -}}
{{- end -}}

{{/* Enabled service names, sorted (stable output). */}}
{{- define "clearing.enabledServices" -}}
{{- $names := list -}}
{{- range $name, $_ := .Values.services -}}
{{- $svc := include "clearing.serviceValues" (dict "root" $ "name" $name) | fromYaml -}}
{{- if $svc.enabled -}}{{- $names = append $names $name -}}{{- end -}}
{{- end -}}
{{- toJson (sortAlpha $names) -}}
{{- end -}}

{{/* Image reference; call with (dict "root" $ "name" <image name> "image" <per-service image values or dict>). */}}
{{- define "clearing.image" -}}
{{- $root := .root -}}
{{- $override := .image | default dict -}}
{{- $repository := $override.repository | default (printf "%s%s" $root.Values.image.repositoryPrefix .name) -}}
{{- $tag := $override.tag | default $root.Values.image.tag | default $root.Chart.AppVersion -}}
{{- if $root.Values.image.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" $root.Values.image.registry) $repository $tag -}}
{{- else -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}
{{- end -}}

{{/* "order-gateway" -> "order_gateway": the service's PostgreSQL schema (EventStoreSettings.ServiceSlug). */}}
{{- define "clearing.schema" -}}
{{- . | replace "-" "_" -}}
{{- end -}}

{{/* Kafka user (and password Secret) of a service when kafka.sasl.perServiceUsers is on. */}}
{{- define "clearing.kafkaUser" -}}
{{- include "clearing.serviceFullname" . -}}
{{- end -}}

{{/* Topic name from a key of kafka.topics; fails naming the key when it is unknown. */}}
{{- define "clearing.topicName" -}}
{{- $topic := index .root.Values.kafka.topics .key -}}
{{- if not $topic -}}
{{- fail (printf "services.%s lists topic key %q, which kafka.topics does not define (keys: %s)" .service .key (keys .root.Values.kafka.topics | sortAlpha | join ", ")) -}}
{{- end -}}
{{- $topic.name -}}
{{- end -}}

{{/* Effective settings of one topic: kafka.topicDefaults merged with kafka.topics.<key>. Returns YAML. */}}
{{- define "clearing.topicValues" -}}
{{- $topic := index .root.Values.kafka.topics .key -}}
{{- toYaml (mergeOverwrite (deepCopy .root.Values.kafka.topicDefaults) (deepCopy $topic)) -}}
{{- end -}}

{{/* Dapr pub/sub brokers: the component's own setting or the services' bootstrap servers. */}}
{{- define "clearing.daprBrokers" -}}
{{- .Values.dapr.components.pubsub.brokers | default .Values.kafka.bootstrapServers -}}
{{- end -}}

{{/*
The ConfigMap a service's configMapFiles entry mounts: the existing one it names, or the one the chart makes from a
chart file ({service fullname}-{entry name}). Call with (dict "root" $ "name" <service> "file" <entry>).
*/}}
{{- define "clearing.configMapFileName" -}}
{{- if .file.configMap -}}
{{- .file.configMap -}}
{{- else if .file.chartFile -}}
{{- printf "%s-%s" (include "clearing.serviceFullname" (dict "root" .root "name" .name)) .file.name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- fail (printf "services.%s.configMapFiles[%s] needs configMap (an existing ConfigMap) or chartFile (a file of the chart)" .name .file.name) -}}
{{- end -}}
{{- end -}}

{{/*
The in-cluster gRPC address of a service of this release, for a caller's configuration (services.<name>.calls):
https when the gRPC endpoints serve TLS. Call with (dict "root" $ "name" <callee>).
*/}}
{{- define "clearing.grpcAddress" -}}
{{- printf "%s://%s:%v" (ternary "https" "http" (not (empty .root.Values.clearing.grpcTlsSecret))) (include "clearing.serviceFullname" .) .root.Values.clearing.grpcPort -}}
{{- end -}}

{{/* Enabled services whose calls name this one (JSON list, sorted); call with (dict "root" $ "name" <callee>). */}}
{{- define "clearing.callers" -}}
{{- $callee := .name -}}
{{- $callers := list -}}
{{- range $name := include "clearing.enabledServices" .root | fromJsonArray -}}
{{- $svc := include "clearing.serviceValues" (dict "root" $.root "name" $name) | fromYaml -}}
{{- range $call := $svc.calls -}}
{{- if eq $call.service $callee -}}{{- $callers = append $callers $name -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson ($callers | uniq | sortAlpha) -}}
{{- end -}}
