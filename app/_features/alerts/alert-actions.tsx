'use client';

import { useState } from 'react';
import type { AlertAction } from '../../../lib/api/alerts.ts';
import { formatDateTime } from '../../_lib/format.ts';
import { useOperatorToken } from '../../_lib/use-operator-token.ts';
import { Modal } from '../../_components/modal.tsx';
import { ReasonForm } from '../../_components/reason-form.tsx';
import { useHealth } from '../health/api.ts';
import { useCreateAlertAction } from './api.ts';

// Per alert: who acknowledged or silenced it, until when and why; and the two actions, each
// asking for a reason (kept by the collector) and the operator token.

const DURATIONS = [
  { label: '30 minutes', ms: 30 * 60_000 },
  { label: '1 hour', ms: 60 * 60_000 },
  { label: '4 hours', ms: 4 * 60 * 60_000 },
  { label: '1 day', ms: 24 * 60 * 60_000 },
];

export function AlertActionStatus({ actions }: { actions: readonly AlertAction[] }) {
  if (actions.length === 0) return null;
  return (
    <ul className="plain">
      {actions.map((a) => (
        <li
          key={a.id}
          data-testid={a.kind === 'silence' ? 'alert-silenced' : 'alert-acked'}
          className="muted"
        >
          <strong>
            {a.kind === 'silence' ? `Silenced until ${formatDateTime(a.endsAt)}` : 'Acknowledged'}
          </strong>{' '}
          by <span className="mono">{a.createdBy}</span> at {formatDateTime(a.startsAt)}
          {a.via === 'alertmanager' ? ' (in Alertmanager)' : ''}: <q className="wrap">{a.comment}</q>
        </li>
      ))}
    </ul>
  );
}

function ActionForm({
  kind,
  labels,
  onDone,
}: {
  kind: AlertAction['kind'];
  labels: Readonly<Record<string, string>>;
  onDone: () => void;
}) {
  const token = useOperatorToken();
  const create = useCreateAlertAction();
  const [duration, setDuration] = useState(DURATIONS[1]!.ms);
  const matchers = Object.entries(labels).map(([name, value]) => ({ name, value }));
  return (
    <ReasonForm
      reasonLabel="Why (kept in the audit)"
      confirmLabel={kind === 'silence' ? 'Silence' : 'Acknowledge'}
      confirmClass="btn-primary"
      testids={{
        reason: 'alert-action-comment',
        actor: 'alert-action-actor',
        error: 'alert-action-error',
        confirm: 'alert-action-confirm',
      }}
      status={create}
      onSubmit={({ reason, actor }) =>
        create.mutate(
          {
            request: {
              kind,
              matchers,
              comment: reason,
              ...(kind === 'silence' && { durationMs: duration }),
              ...(actor && { actor }),
            },
            token,
          },
          { onSuccess: onDone },
        )
      }
      onCancel={onDone}
    >
      <p className="muted wrap">Matches {matchers.map((m) => `${m.name}="${m.value}"`).join(', ')}.</p>
      {kind === 'silence' ? (
        <label className="field">
          <span>For</span>
          <select
            data-testid="alert-silence-duration"
            value={duration}
            onChange={(e) => setDuration(Number(e.target.value))}
          >
            {DURATIONS.map((d) => (
              <option key={d.ms} value={d.ms}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
      ) : null}
    </ReasonForm>
  );
}

export function AlertActionButtons({
  labels,
  silencesVia,
}: {
  labels: Readonly<Record<string, string>>;
  silencesVia: string;
}) {
  const token = useOperatorToken();
  const needsToken = useHealth().data?.authRequired.write ?? true;
  const [kind, setKind] = useState<AlertAction['kind'] | null>(null);
  const blocked = needsToken && !token;
  return (
    <>
      <button
        type="button"
        className="btn btn-outline"
        data-testid="alert-ack-button"
        disabled={blocked}
        title={blocked ? 'Set the operator token first' : undefined}
        onClick={() => setKind('ack')}
      >
        Acknowledge…
      </button>
      <button
        type="button"
        className="btn btn-outline"
        data-testid="alert-silence-button"
        disabled={blocked}
        title={
          blocked
            ? 'Set the operator token first'
            : `Silenced ${silencesVia === 'alertmanager' ? 'in Alertmanager' : 'by the collector'}`
        }
        onClick={() => setKind('silence')}
      >
        Silence…
      </button>
      <Modal
        open={kind !== null}
        onClose={() => setKind(null)}
        title={kind === 'silence' ? 'Silence this alert' : 'Acknowledge this alert'}
        testid="alert-action-dialog"
      >
        {kind ? <ActionForm kind={kind} labels={labels} onDone={() => setKind(null)} /> : null}
      </Modal>
    </>
  );
}
