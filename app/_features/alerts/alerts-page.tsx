'use client';

import Link from 'next/link';
import { formatDateTime, formatRelative } from '../../_lib/format.ts';
import { useNow } from '../../_lib/use-viewport.ts';
import { Badge } from '../../_components/badge.tsx';
import { Empty, QueryStates } from '../../_components/states.tsx';
import { alertLinks, extraLabels, formatAlertValue, runbookHref, sortAlerts } from './alert-links.ts';
import { AlertActionButtons, AlertActionStatus } from './alert-actions.tsx';
import { actionsFor, useAlertActions, useAlerts } from './api.ts';

export function AlertsPage() {
  const alerts = useAlerts();
  const actions = useAlertActions();
  const now = useNow(5000);
  const sorted = alerts.data ? sortAlerts(alerts.data.alerts) : [];
  const firing = sorted.filter((a) => a.state === 'firing').length;
  return (
    <div>
      <div className="page-head">
        <h1>Alerts</h1>
        {alerts.data ? (
          <span className="muted" data-testid="alerts-source">
            {firing} firing, {sorted.length - firing} pending · evaluated by{' '}
            {alerts.data.source === 'prometheus'
              ? 'Prometheus'
              : "the collector's built-in rules (no PROMETHEUS_URL set)"}
          </span>
        ) : null}
      </div>
      <QueryStates
        query={alerts}
        what="alerts"
        empty={
          sorted.length === 0 ? (
            <Empty
              title="Nothing is firing or pending."
              next="Alerts appear here as soon as a rule's condition holds (pending) and after its for: duration (firing)."
              hint={false}
            />
          ) : null
        }
      />
      {sorted.map((a, i) => {
        const name = a.labels.alertname ?? 'unnamed alert';
        const severity = a.labels.severity ?? 'none';
        const mine = actionsFor(a.labels, actions.data?.actions ?? []);
        const silenced = mine.some((x) => x.kind === 'silence');
        return (
          <div
            key={`${name}-${i}-${a.activeAt}`}
            className="card"
            data-testid="alert"
            data-alertname={name}
            data-state={a.state}
            data-severity={severity}
            data-silenced={silenced ? 'true' : 'false'}
          >
            <div className="row">
              <Badge value={a.state} testid="alert-state" />
              <Badge value={severity} testid="alert-severity" />
              <strong className="grow" data-testid="alert-name">
                {name}
              </strong>
              <span
                className="muted"
                title={formatDateTime(Date.parse(a.activeAt))}
                data-testid="alert-since"
              >
                since {formatRelative(Date.parse(a.activeAt), now)}
              </span>
            </div>
            <p data-testid="alert-summary">
              {a.annotations.summary ?? <span className="muted">No summary.</span>}
            </p>
            {a.annotations.description ? <p className="muted">{a.annotations.description}</p> : null}
            <AlertActionStatus actions={mine} />
            <div className="row">
              {alertLinks(a.labels).map((l) => (
                <Link key={l.href} href={l.href} className="btn btn-outline" data-testid="alert-link">
                  {l.label} →
                </Link>
              ))}
              <Link href={runbookHref(name, a)} className="btn btn-ghost" data-testid="alert-runbook">
                Runbook
              </Link>
              <AlertActionButtons labels={a.labels} silencesVia={actions.data?.silencesVia ?? 'native'} />
              <span className="muted">
                {extraLabels(a.labels)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(' ')}{' '}
                · value{' '}
                <span data-testid="alert-value" title={a.value}>
                  {formatAlertValue(a.value)}
                </span>
              </span>
            </div>
          </div>
        );
      })}
    </div>
  );
}
