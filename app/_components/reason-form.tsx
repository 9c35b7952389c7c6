'use client';

import { useState, type ReactNode } from 'react';
import { errorMessage } from '../_lib/api-client.ts';

// The form behind an operator action the collector audits (acknowledge or silence an alert,
// resolve or discard a dead letter): a reason, an optional name, the action's error, confirm and
// cancel. Each caller names its own labels and test ids (the end-to-end specs rely on them) and
// puts what is particular to its action (what it matches, for how long) above the reason.

/** What the form reads of the mutation that carries out the action. */
interface ActionStatus {
  isPending: boolean;
  isError: boolean;
  error: unknown;
}

export interface ReasonInput {
  readonly reason: string;
  /** Who is acting, for the audit: trimmed, and absent when left blank. */
  readonly actor?: string;
}

/** The collector refuses shorter reasons; the form says so before it is sent. */
const MIN_REASON = 3;

export function ReasonForm({
  reasonLabel,
  reasonMaxLength,
  confirmLabel,
  confirmClass,
  testids,
  status,
  onSubmit,
  onCancel,
  children,
}: {
  reasonLabel: string;
  reasonMaxLength?: number;
  confirmLabel: string;
  /** The confirm button's look: `btn-primary`, or `btn-danger` for what cannot be undone. */
  confirmClass: 'btn-primary' | 'btn-danger';
  testids: { reason: string; actor: string; error: string; confirm: string };
  status: ActionStatus;
  onSubmit: (input: ReasonInput) => void;
  onCancel: () => void;
  children?: ReactNode;
}) {
  const [reason, setReason] = useState('');
  const [actor, setActor] = useState('');
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        const name = actor.trim();
        onSubmit({ reason, ...(name && { actor: name }) });
      }}
    >
      {children}
      <label className="field">
        <span>{reasonLabel}</span>
        <textarea
          data-testid={testids.reason}
          required
          minLength={MIN_REASON}
          maxLength={reasonMaxLength}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </label>
      <label className="field">
        <span>Your name (optional)</span>
        <input
          data-testid={testids.actor}
          value={actor}
          maxLength={100}
          onChange={(e) => setActor(e.target.value)}
        />
      </label>
      {status.isError ? (
        <p className="state-error" role="alert" data-testid={testids.error}>
          {errorMessage(status.error)}
        </p>
      ) : null}
      <div className="row">
        <button
          type="submit"
          className={`btn ${confirmClass}`}
          data-testid={testids.confirm}
          disabled={reason.trim().length < MIN_REASON || status.isPending}
        >
          {confirmLabel}
        </button>
        <button type="button" className="btn btn-outline" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
