'use client';

import type { RecordDetail } from '../../../lib/api/records.ts';
import { errorMessage } from '../../_lib/api-client.ts';
import { useOperatorToken } from '../../_lib/use-operator-token.ts';
import { useRevealRecord } from './api.ts';

// Says which values the collector's masking policy hid, and lets an operator reveal them. The
// collector records every reveal (who, when, which record) in its audit log.

export function MaskedNotice({
  record,
  onRevealed,
}: {
  record: RecordDetail;
  onRevealed: (r: RecordDetail) => void;
}) {
  const token = useOperatorToken();
  const reveal = useRevealRecord(record.id);
  if (record.unmasked)
    return (
      <p className="muted" data-testid="unmasked-notice">
        Masked values revealed with the operator token; this reveal is in the collector&apos;s audit log.
      </p>
    );
  if (!record.masked?.length) return null;
  return (
    <div className="row spaced" data-testid="masked-notice">
      <span className="muted grow">
        Masked by policy: <span className="mono">{record.masked.join(', ')}</span>
      </span>
      {token ? (
        <button
          type="button"
          className="btn btn-outline"
          data-testid="reveal-masked"
          disabled={reveal.isPending}
          onClick={() => reveal.mutate({ token }, { onSuccess: onRevealed })}
        >
          Reveal (audited)
        </button>
      ) : (
        <span className="muted">An operator token can reveal them.</span>
      )}
      {reveal.isError ? <span role="alert">{errorMessage(reveal.error)}</span> : null}
    </div>
  );
}
