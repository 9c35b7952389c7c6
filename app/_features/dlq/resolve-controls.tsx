'use client';

import { useState } from 'react';
import type { DlqEntryDetail, ResolveRequest } from '../../../lib/api/dlq.ts';
import { formatDateTime } from '../../_lib/format.ts';
import { useOperatorToken } from '../../_lib/use-operator-token.ts';
import { Modal } from '../../_components/modal.tsx';
import { ReasonForm } from '../../_components/reason-form.tsx';
import { useHealth } from '../health/api.ts';
import { useResolveDlqEntry } from './api.ts';

// Closing a dead letter without replaying it: "resolve" (the cause was handled some other way)
// or "discard" (the record must never be processed). Either needs a reason and the operator
// token; the collector keeps who, when and why, shown here as the entry's audit.

type Action = ResolveRequest['action'];
const LABEL: Record<Action, string> = { resolved: 'Resolve', discarded: 'Discard' };

function ResolveForm({ entryId, action, onDone }: { entryId: string; action: Action; onDone: () => void }) {
  const token = useOperatorToken();
  const resolve = useResolveDlqEntry(entryId);
  return (
    <ReasonForm
      reasonLabel="Reason (kept in the audit)"
      reasonMaxLength={2000}
      confirmLabel={`${LABEL[action]} entry`}
      confirmClass="btn-danger"
      testids={{
        reason: 'resolve-reason',
        actor: 'resolve-actor',
        error: 'resolve-error',
        confirm: 'resolve-confirm',
      }}
      status={resolve}
      onSubmit={(input) => resolve.mutate({ request: { action, ...input }, token }, { onSuccess: onDone })}
      onCancel={onDone}
    >
      <p className="muted">
        {action === 'discarded'
          ? 'The record will not be replayed; the entry is closed as discarded.'
          : 'Mark the entry as handled without replaying it.'}
      </p>
    </ReasonForm>
  );
}

export function ResolveControls({ entry }: { entry: DlqEntryDetail }) {
  const token = useOperatorToken();
  const writeNeedsToken = useHealth().data?.authRequired.write ?? true;
  const tokenBlocked = !token && writeNeedsToken;
  const [action, setAction] = useState<Action | null>(null);
  const closed = entry.status === 'resolved';
  return (
    <div className="stack" data-testid="resolve-controls">
      <div className="row">
        {(['resolved', 'discarded'] as const).map((a) => (
          <button
            key={a}
            type="button"
            className="btn btn-outline"
            data-testid={a === 'resolved' ? 'resolve-button' : 'discard-button'}
            disabled={closed || tokenBlocked}
            onClick={() => setAction(a)}
          >
            {LABEL[a]}…
          </button>
        ))}
        {closed ? <span className="muted">This entry is closed.</span> : null}
      </div>
      {entry.resolutions.length > 0 ? (
        <ul className="plain" data-testid="resolution-history">
          {entry.resolutions.map((r) => (
            <li key={r.id} data-testid="resolution-row" data-action={r.action}>
              <strong>{r.action === 'discarded' ? 'Discarded' : 'Resolved'}</strong> by{' '}
              <span className="mono">{r.resolvedBy}</span> at {formatDateTime(r.resolvedAt)}:{' '}
              <q className="wrap">{r.reason}</q>
            </li>
          ))}
        </ul>
      ) : null}
      <Modal
        open={action !== null}
        onClose={() => setAction(null)}
        title={action ? `${LABEL[action]} this dead letter` : ''}
        testid="resolve-dialog"
      >
        {action ? <ResolveForm entryId={entry.id} action={action} onDone={() => setAction(null)} /> : null}
      </Modal>
    </div>
  );
}
