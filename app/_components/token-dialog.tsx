'use client';

import { useState } from 'react';
import { sessionToken } from '../_lib/session-token.ts';
import { useOperatorToken } from '../_lib/use-operator-token.ts';
import { Modal } from './modal.tsx';

/** The header button that shows whether an operator token is set and opens the dialog. */
export function TokenButton() {
  const token = useOperatorToken();
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className={`btn ${token ? 'btn-ghost' : 'btn-outline'}`}
        data-testid="token-button"
        data-has-token={token ? 'true' : 'false'}
        onClick={() => setOpen(true)}
      >
        {token ? 'Operator token set' : 'Set operator token'}
      </button>
      <TokenDialog open={open} onClose={() => setOpen(false)} />
    </>
  );
}

export function TokenDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const token = useOperatorToken();
  const [draft, setDraft] = useState('');
  return (
    <Modal open={open} onClose={onClose} title="Operator token" testid="token-dialog">
      <p className="muted">
        Replays and other writes need the collector&apos;s operator token (<code>OPERATOR_TOKEN</code>). It is
        kept in this tab&apos;s session only and sent as <code>Authorization: Bearer</code>.
      </p>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          sessionToken.set(draft);
          setDraft('');
          onClose();
        }}
      >
        <label className="field">
          <span>Token</span>
          <input
            type="password"
            autoComplete="off"
            data-testid="token-input"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            placeholder={token ? 'A token is set; enter a new one to replace it' : 'Paste the operator token'}
          />
        </label>
        <div className="row">
          <button type="submit" className="btn btn-primary" data-testid="token-save" disabled={!draft.trim()}>
            Save for this session
          </button>
          {token ? (
            <button
              type="button"
              className="btn btn-outline"
              data-testid="token-clear"
              onClick={() => {
                sessionToken.set(null);
                onClose();
              }}
            >
              Forget token
            </button>
          ) : null}
        </div>
      </form>
    </Modal>
  );
}
