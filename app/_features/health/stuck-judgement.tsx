'use client';

import { formatDuration, formatTime } from '../../_lib/format.ts';
import { STUCK_JUDGEMENT_LAG_MS } from '../../../lib/api/topology.ts';
import { useHealth } from './api.ts';

/**
 * Says when STUCK cannot be trusted to be complete: the collector judges a saga's deadline only up
 * to where it has read and derived every record (`stuckJudgedThrough` in /api/health), so while it
 * catches up a saga past its deadline is not yet called STUCK, and one whose answer is still on
 * the broker is not falsely called so.
 */
export function StuckJudgement() {
  const health = useHealth();
  if (!health.data) return null;
  const through = health.data.stuckJudgedThrough;
  const now = Date.now();
  if (through !== null && now - through <= STUCK_JUDGEMENT_LAG_MS) return null;
  return (
    <p
      className="card notice-warn"
      role="status"
      data-testid="stuck-judgement"
      data-judged-through={through ?? ''}
    >
      {through === null ? (
        <>
          STUCK is not judged yet: the collector is indexing records whose times it could not read ahead
          (landed bytes it could not decode), and does not know until it indexes them. Sagas past their
          deadline show their state without STUCK until then.
        </>
      ) : (
        <>
          STUCK is judged on events up to <strong>{formatTime(through)}</strong> (
          {formatDuration(now - through)} behind): the collector has not yet read and derived every record
          since then (consumer lag or indexing backlog). A deadline after that time is judged once those
          records are read.
        </>
      )}
    </p>
  );
}
