'use client';

import { useRef, useState } from 'react';
import type { DlqEntryDetail } from '../../../lib/api/dlq.ts';
import { useOperatorToken } from '../../_lib/use-operator-token.ts';
import { useHealth } from '../health/api.ts';
import { Modal } from '../../_components/modal.tsx';
import { useReplayDlqEntry } from './api.ts';
import { ReplayConfirmBody } from './replay-confirm.tsx';
import { createReplayIntent, replayBlockedReason } from './replay-intent.ts';

export function ReplayButton({ entry }: { entry: DlqEntryDetail }) {
  const token = useOperatorToken();
  const replay = useReplayDlqEntry(entry.id);
  // One intent per deliberate action; a double click or a retry reuses its key.
  const [intent] = useState(() => createReplayIntent());
  const [confirming, setConfirming] = useState(false);
  const tokenRequired = useHealth().data?.authRequired.write ?? true;
  const blocked = replayBlockedReason(entry, token, tokenRequired);

  // The second click of a double click can arrive before React re-renders the button disabled;
  // a ref sees it. (Were it sent, the same replay key would still make the collector replay once.)
  const inFlight = useRef(false);
  const send = () => {
    if (blocked !== null || inFlight.current) return;
    inFlight.current = true;
    replay.mutate(
      { replayKey: intent.key(), token },
      {
        onSettled: () => {
          inFlight.current = false;
        },
      },
    );
  };

  const replayedBefore = entry.replays.some((r) => r.status === 'produced') || replay.isSuccess;

  return (
    <div className="stack" data-testid="replay-controls">
      <div className="row">
        <button
          type="button"
          className={`btn ${replayedBefore ? 'btn-outline' : 'btn-primary'}`}
          data-testid={replayedBefore ? 'replay-again-button' : 'replay-button'}
          disabled={blocked !== null || replay.isPending}
          // Every replay is confirmed against a dry run; a stray second click only reopens it.
          onClick={() => setConfirming(true)}
        >
          {replay.isPending ? 'Replaying…' : replayedBefore ? 'Replay again…' : 'Replay…'}
        </button>
        {blocked ? (
          <span className="muted" data-testid="replay-disabled-reason">
            {blocked}
          </span>
        ) : (
          <span className="muted">
            Produces the original key, value and headers to <span className="mono">{entry.originTopic}</span>.
          </span>
        )}
      </div>
      {replay.isSuccess ? (
        <p data-testid="replay-result" data-duplicate={replay.data.duplicate ? 'true' : 'false'}>
          {replay.data.replay.status === 'produced'
            ? `Replayed to ${replay.data.replay.targetTopic ?? '?'} [${replay.data.replay.targetPartition ?? '?'}] @ ${replay.data.replay.targetOffset ?? '?'}.`
            : `Replay ${replay.data.replay.status}: ${replay.data.replay.error ?? 'no reason given'}.`}
          {replay.data.duplicate
            ? ' The request was repeated; the collector recognised its replay key and did not send it twice.'
            : ''}
        </p>
      ) : null}
      <Modal
        open={confirming}
        onClose={() => setConfirming(false)}
        title={replayedBefore ? 'Replay again?' : 'Replay this record?'}
        testid="replay-confirm-dialog"
      >
        <ReplayConfirmBody
          entryId={entry.id}
          replayCount={entry.replayCount}
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            // A new replay of a record already replayed is a new intent with its own key.
            if (replayedBefore && !inFlight.current) intent.reset();
            setConfirming(false);
            send();
          }}
        />
      </Modal>
    </div>
  );
}
