import Link from 'next/link';
import { runbooks } from '../../../dashboards/alerts/definitions.ts';
import { Badge } from '../../_components/badge.tsx';
import { fillRunbookText, type RunbookContext } from './runbook-template.ts';

// Rendered on the server from the alert definitions (the single source of truth the Prometheus
// rules are generated from), so the runbook a page links to always matches the rule that fired.

export function Runbook({ name, context }: { name: string; context: RunbookContext | null }) {
  const rb = Object.hasOwn(runbooks, name) ? runbooks[name] : undefined;
  if (!rb) {
    return (
      <div className="state state-empty" data-testid="runbook-missing">
        <p className="state-title">No runbook for “{name}”.</p>
        <p>
          Known alerts: {Object.keys(runbooks).sort().join(', ')}. <Link href="/alerts">Back to alerts</Link>
        </p>
      </div>
    );
  }
  return (
    <div data-testid="runbook" data-alertname={rb.alert}>
      <div className="page-head">
        <Link href="/alerts">← Alerts</Link>
        <h1>{rb.alert}</h1>
        <Badge value={rb.severity} />
      </div>
      <div className="card">
        <p className="muted" data-testid="runbook-summary">
          {fillRunbookText(rb.summary, context)}
        </p>
        {context ? (
          <p className="muted" data-testid="runbook-labels">
            For the alert with{' '}
            {Object.entries(context.labels)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}
          </p>
        ) : null}
        <h2>What it means</h2>
        <p>{fillRunbookText(rb.meaning, context)}</p>
        <h2>What to check</h2>
        <p>{fillRunbookText(rb.check, context)}</p>
        <h2>How to fix it</h2>
        <p>{fillRunbookText(rb.fix, context)}</p>
      </div>
    </div>
  );
}
