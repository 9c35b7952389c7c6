import type { Alert } from '../../../lib/api/alerts.ts';

// From an alert's labels to the console page that shows the thing alerting. Labels are the
// contract with the rules in dashboards/: `group`, `dlq_topic`, `saga_type`, `topic`.

export interface AlertLink {
  readonly href: string;
  readonly label: string;
}

export function alertLinks(labels: Readonly<Record<string, string>>): AlertLink[] {
  const q = encodeURIComponent;
  const links: AlertLink[] = [];
  if (labels.group)
    links.push({ href: `/consumers?group=${q(labels.group)}`, label: `Consumer group ${labels.group}` });
  if (labels.dlq_topic)
    links.push({
      href: `/dlq?dlqTopic=${q(labels.dlq_topic)}`,
      label: `Dead letters in ${labels.dlq_topic}`,
    });
  if (labels.saga_type)
    links.push({ href: `/sagas?type=${q(labels.saga_type)}`, label: `Sagas of type ${labels.saga_type}` });
  if (labels.topic && !labels.group && !labels.dlq_topic)
    links.push({ href: `/tail?topics=${q(labels.topic)}`, label: `Live tail of ${labels.topic}` });
  return links;
}

/**
 * The runbook of an alert; with the firing alert's labels and value, so the runbook page can
 * fill its templates (`{{ $labels.origin_topic }}`) for this very alert.
 */
export function runbookHref(alertname: string, alert?: Pick<Alert, 'labels' | 'value'>): string {
  const base = `/alerts/runbook/${encodeURIComponent(alertname)}`;
  if (!alert) return base;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(alert.labels)) if (k !== 'alertname') qs.set(`label.${k}`, v);
  if (alert.value) qs.set('value', alert.value);
  return qs.size ? `${base}?${qs.toString()}` : base;
}

/**
 * An alert's value as a person reads it: Prometheus sends `2.2200000000000003e+01`, shown here as
 * `22.2`. Large values lose their fraction, small ones keep three significant digits.
 */
export function formatAlertValue(raw: string): string {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) return raw;
  const abs = Math.abs(n);
  const opts: Intl.NumberFormatOptions =
    abs === 0 || abs >= 100
      ? { maximumFractionDigits: 0 }
      : abs >= 1
        ? { maximumFractionDigits: 2 }
        : { maximumSignificantDigits: 3 };
  return new Intl.NumberFormat('en-US', opts).format(n);
}

const SEVERITY_RANK: Record<string, number> = { critical: 0, warning: 1, info: 2 };

/** Firing before pending, then by severity, then the longest-standing first. */
export function sortAlerts(alerts: readonly Alert[]): Alert[] {
  return [...alerts].sort(
    (a, b) =>
      (a.state === b.state ? 0 : a.state === 'firing' ? -1 : 1) ||
      (SEVERITY_RANK[a.labels.severity ?? ''] ?? 3) - (SEVERITY_RANK[b.labels.severity ?? ''] ?? 3) ||
      Date.parse(a.activeAt) - Date.parse(b.activeAt),
  );
}

/** Labels worth showing next to the summary (alertname and severity have their own places). */
export function extraLabels(labels: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(labels).filter(([k]) => k !== 'alertname' && k !== 'severity');
}
