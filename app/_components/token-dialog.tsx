'use client';

import { useState } from 'react';
import { z } from 'zod';
import { apiRequest, ApiRequestError, errorMessage } from '../_lib/api-client.ts';
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

/** Asks the collector whether a token is the operator token: null when it is, else why not. */
async function checkToken(token: string): Promise<string | null> {
  try {
    await apiRequest('/api/auth/check', z.unknown(), { token });
    return null;
  } catch (err) {
    if (err instanceof ApiRequestError && (err.status === 401 || err.status === 403))
      return `The collector refused this token: ${err.message}`;
    return `The token could not be checked: ${errorMessage(err)}`;
  }
}

export function TokenDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const token = useOperatorToken();
  const [draft, setDraft] = useState('');
  const [checking, setChecking] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
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
          // Checked now, not at the first replay: a typo is reported while the dialog is open.
          setChecking(true);
          setProblem(null);
          void checkToken(draft.trim()).then((why) => {
            setChecking(false);
            if (why) {
              setProblem(why);
              return;
            }
            sessionToken.set(draft);
            setDraft('');
            onClose();
          });
        }}
      >
        <label className="field">
          <span>Token</span>
          <input
            type="password"
            autoComplete="off"
            data-testid="token-input"
            value={draft}
            aria-invalid={problem ? 'true' : 'false'}
            aria-describedby={problem ? 'token-problem' : undefined}
            onChange={(e) => {
              setDraft(e.target.value);
              setProblem(null);
            }}
            placeholder={token ? 'A token is set; enter a new one to replace it' : 'Paste the operator token'}
          />
        </label>
        {problem ? (
          <p className="state-error" role="alert" id="token-problem" data-testid="token-error">
            {problem}
          </p>
        ) : null}
        <div className="row">
          <button
            type="submit"
            className="btn btn-primary"
            data-testid="token-save"
            disabled={!draft.trim() || checking}
          >
            {checking ? 'Checking…' : 'Save for this session'}
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
