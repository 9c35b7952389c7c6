{{/* Names: <release>-causeway unless the release name already contains it. */}}
{{- define "causeway.fullname" -}}
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

{{- define "causeway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* A component's name: <fullname>-<component>, at most 63 characters. */}}
{{- define "causeway.component" -}}
{{- printf "%s-%s" (include "causeway.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "causeway.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "causeway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component (collector, console, shop-<service>). */}}
{{- define "causeway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "causeway.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "causeway.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "causeway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "causeway.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "causeway.secretName" -}}
{{- include "causeway.fullname" . -}}
{{- end -}}

{{/* Where browsers reach the console: console.publicUrl, else the Ingress host, else the Service. */}}
{{- define "causeway.consoleUrl" -}}
{{- if .Values.console.publicUrl -}}
{{- .Values.console.publicUrl | trimSuffix "/" -}}
{{- else if .Values.ingress.enabled -}}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.host -}}
{{- else -}}
{{- printf "http://%s:%v" (include "causeway.component" (dict "root" . "component" "console")) .Values.console.port -}}
{{- end -}}
{{- end -}}

{{- define "causeway.collectorUrl" -}}
{{- printf "http://%s:%v" (include "causeway.component" (dict "root" . "component" "collector")) .Values.collector.port -}}
{{- end -}}

{{/*
The Kafka client environment every process shares (lib/config.ts busEnvSchema). `.sasl` is the
username and password source of this process: the collector's own, or a shop service's user.
*/}}
{{- define "causeway.kafkaEnv" -}}
{{- $k := .root.Values.kafka -}}
- name: KAFKA_BROKERS
  value: {{ $k.brokers | quote }}
{{- with $k.clientId }}
- name: KAFKA_CLIENT_ID
  value: {{ . | quote }}
{{- end }}
- name: KAFKA_SSL
  value: {{ $k.tls.enabled | quote }}
{{- if $k.tls.enabled }}
- name: KAFKA_SSL_REJECT_UNAUTHORIZED
  value: {{ $k.tls.rejectUnauthorized | quote }}
{{- if $k.tls.caSecret }}
- name: KAFKA_SSL_CA_FILE
  value: /etc/causeway/kafka-ca/{{ $k.tls.caKey }}
{{- end }}
{{- end }}
{{- if $k.sasl.mechanism }}
- name: KAFKA_SASL_MECHANISM
  value: {{ $k.sasl.mechanism | quote }}
- name: KAFKA_SASL_USERNAME
  value: {{ .username | quote }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .passwordSecret | quote }}
      key: {{ .passwordKey | quote }}
{{- end }}
- name: LOG_LEVEL
  value: {{ .root.Values.logLevel | quote }}
- name: DATA_DIR
  value: /app/data
{{- end -}}

{{/* The CA volume, when the brokers' certificate is checked against a CA from a Secret. */}}
{{- define "causeway.kafkaCaVolume" -}}
{{- if and .Values.kafka.tls.enabled .Values.kafka.tls.caSecret }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafka.tls.caSecret | quote }}
    items:
      - key: {{ .Values.kafka.tls.caKey | quote }}
        path: {{ .Values.kafka.tls.caKey | quote }}
{{- end }}
{{- end -}}

{{- define "causeway.kafkaCaMount" -}}
{{- if and .Values.kafka.tls.enabled .Values.kafka.tls.caSecret }}
- name: kafka-ca
  mountPath: /etc/causeway/kafka-ca
  readOnly: true
{{- end }}
{{- end -}}

{{/* Extra variables by name, as given in a component's `env` map. */}}
{{- define "causeway.extraEnv" -}}
{{- range $name, $value := . }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{- define "causeway.podSecurity" -}}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
serviceAccountName: {{ include "causeway.serviceAccountName" . }}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
