'use client';

import type { z } from 'zod';
import type { dlqGroupsSchema } from '../../../lib/api/dlq.ts';
import { formatNumber } from '../../_lib/format.ts';

type Groups = z.infer<typeof dlqGroupsSchema>;

/** Where the dead letters come from and why: two small tables that set the list's filter. */
export function DlqGroups({
  groups,
  onPickOrigin,
  onPickError,
  active,
}: {
  groups: Groups;
  onPickOrigin: (dlqTopic: string) => void;
  onPickError: (errorClass: string) => void;
  active: { dlqTopic?: string | undefined; errorClass?: string | undefined };
}) {
  return (
    <div className="stack">
      <div className="card" data-testid="dlq-by-origin">
        <h2>By origin topic</h2>
        <table className="table">
          <thead>
            <tr>
              <th>Origin → DLQ</th>
              <th className="num">Unresolved</th>
              <th className="num">Total</th>
            </tr>
          </thead>
          <tbody>
            {groups.byOrigin.map((g) => (
              <tr
                key={`${g.dlqTopic}|${g.originTopic ?? ''}`}
                className={`clickable${active.dlqTopic === g.dlqTopic ? ' selected' : ''}`}
                tabIndex={0}
                data-testid="dlq-origin-group"
                onClick={() => onPickOrigin(g.dlqTopic)}
                onKeyDown={(e) => e.key === 'Enter' && onPickOrigin(g.dlqTopic)}
              >
                <td>
                  <div className="mono">{g.originTopic ?? <span className="muted">unknown origin</span>}</div>
                  <div className="muted mono">→ {g.dlqTopic}</div>
                </td>
                <td className="num">{formatNumber(g.unresolved)}</td>
                <td className="num">{formatNumber(g.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="card" data-testid="dlq-by-error">
        <h2>By error</h2>
        <table className="table">
          <thead>
            <tr>
              <th>Error class</th>
              <th className="num">Unresolved</th>
              <th className="num">Total</th>
            </tr>
          </thead>
          <tbody>
            {groups.byError.map((g) => (
              <tr
                key={g.errorClass ?? '(none)'}
                className={`clickable${active.errorClass === g.errorClass ? ' selected' : ''}`}
                tabIndex={0}
                data-testid="dlq-error-group"
                onClick={() => g.errorClass && onPickError(g.errorClass)}
                onKeyDown={(e) => e.key === 'Enter' && g.errorClass && onPickError(g.errorClass)}
              >
                <td className="mono ellipsis" title={g.errorClass ?? ''}>
                  {g.errorClass ?? <span className="muted">no error recorded</span>}
                </td>
                <td className="num">{formatNumber(g.unresolved)}</td>
                <td className="num">{formatNumber(g.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
