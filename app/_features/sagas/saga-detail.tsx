'use client';

import Link from 'next/link';
import type { SagaDetail } from '../../../lib/api/sagas.ts';
import { formatDateTime, formatDuration, formatNumber } from '../../_lib/format.ts';
import { useNow } from '../../_lib/use-viewport.ts';
import { Badge } from '../../_components/badge.tsx';
import { ErrorState, Loading } from '../../_components/states.tsx';
import { StuckJudgement } from '../health/stuck-judgement.tsx';
import { useSaga } from './api.ts';
import { deadlineText } from './saga-counts.ts';
import { SagaTimeline } from './saga-timeline.tsx';

export function SagaDetailView({ id }: { id: string }) {
  const saga = useSaga(id);
  const now = useNow(1000);
  if (saga.isPending) return <Loading what={`saga ${id}`} />;
  if (saga.isError)
    return <ErrorState error={saga.error} what={`saga ${id}`} onRetry={() => void saga.refetch()} />;
  const s = saga.data;
  const chainId = s.correlationId ?? s.id;
  const due = s.nextExpected ? deadlineText(s.nextExpected.deadline, now) : null;
  return (
    <div data-testid="saga-detail" data-saga-id={s.id} data-state={s.state}>
      <div className="page-head">
        <Link href={`/sagas?type=${encodeURIComponent(s.type)}`}>← Sagas</Link>
        <h1 className="mono">{s.id}</h1>
        <Badge value={s.state} testid="saga-state" />
        <span className="muted">
          {s.type} ({s.source}) ·{' '}
          {s.nextExpected
            ? `running for ${formatDuration(now - s.startedAt)}`
            : `took ${formatDuration(s.updatedAt - s.startedAt)}`}
        </span>
      </div>
      {s.nextExpected ? <StuckJudgement /> : null}
      {s.reason ? (
        <p className="pill pill-warn" data-testid="saga-reason">
          {s.reason}
        </p>
      ) : null}
      <div className="split">
        <div>
          <div className="card">
            <h2>Steps</h2>
            <SagaTimeline saga={s} now={now} />
          </div>
          <div className="card">
            <h2>History</h2>
            <table className="table" data-testid="saga-history">
              <thead>
                <tr>
                  <th>When</th>
                  <th>State</th>
                  <th>Step</th>
                  <th>Event</th>
                  <th>Reason</th>
                </tr>
              </thead>
              <tbody>
                {s.history.map((h, i) => (
                  <tr key={i}>
                    <td>{formatDateTime(h.at)}</td>
                    <td>
                      <Badge value={h.state} />
                    </td>
                    <td>{h.step ?? '—'}</td>
                    <td>
                      {h.recordId ? (
                        <Link
                          href={`/chains/${encodeURIComponent(chainId)}?record=${encodeURIComponent(h.recordId)}`}
                        >
                          {h.event ?? h.recordId}
                        </Link>
                      ) : (
                        (h.event ?? '—')
                      )}
                    </td>
                    <td>{h.reason ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
        <div>
          <div className="card" data-testid="saga-next-expected">
            <h2>Next expected</h2>
            {s.nextExpected ? (
              <>
                <p>
                  {s.nextExpected.events.length ? s.nextExpected.events.join(' or ') : 'nothing specific'}{' '}
                  {due ? (
                    <span className={due.overdue ? 'pill pill-bad' : 'pill'} data-testid="saga-deadline">
                      {due.text}
                    </span>
                  ) : null}
                </p>
                {s.nextExpected.deadline ? (
                  <p className="muted">Deadline {formatDateTime(s.nextExpected.deadline)}</p>
                ) : null}
                <LateGroups waitingOn={s.waitingOn} />
              </>
            ) : (
              <p className="muted">Nothing: the saga is finished.</p>
            )}
          </div>
          <div className="card">
            <h2>Links</h2>
            <dl className="kv">
              <dt>Chain</dt>
              <dd>
                <Link href={`/chains/${encodeURIComponent(chainId)}`} data-testid="saga-chain-link">
                  Open the chain of {chainId}
                </Link>
              </dd>
              <dt>Dead letters</dt>
              <dd data-testid="saga-dlq-links">
                {s.dlqEntryIds.length === 0
                  ? 'none'
                  : s.dlqEntryIds.map((d) => (
                      <div key={d}>
                        <Link href={`/dlq/${encodeURIComponent(d)}`}>{d}</Link>
                      </div>
                    ))}
              </dd>
              <dt>Current step</dt>
              <dd>{s.currentStep ?? '—'}</dd>
              <dt>Started</dt>
              <dd>{formatDateTime(s.startedAt)}</dd>
              <dt>Updated</dt>
              <dd>{formatDateTime(s.updatedAt)}</dd>
            </dl>
          </div>
        </div>
      </div>
    </div>
  );
}

/** Who is late: the consumer groups behind on the topics this saga waits on (from lag data). */
function LateGroups({ waitingOn }: { waitingOn: SagaDetail['waitingOn'] }) {
  if (!waitingOn) return null;
  if (!waitingOn.lateGroups.length)
    return (
      <p className="muted" data-testid="saga-late-none">
        No consumer group is behind on {waitingOn.topics.join(', ') || 'the topics it waits on'}: the service
        may be failing rather than late (check the DLQ and its logs).
      </p>
    );
  return (
    <div data-testid="saga-late-groups">
      <p>Late:</p>
      <ul>
        {waitingOn.lateGroups.map((g) => (
          <li
            key={`${g.groupId}:${g.topic}:${g.partition}`}
            data-testid="saga-late-group"
            data-group={g.groupId}
          >
            <Link href={`/consumers?group=${encodeURIComponent(g.groupId)}`} className="mono">
              {g.groupId}
            </Link>{' '}
            <Badge value={g.status} /> {formatNumber(g.lag)} behind on{' '}
            <Link
              href={`/records?topic=${encodeURIComponent(g.topic)}&partition=${g.partition}&offset=${Math.max(0, g.committed)}`}
              className="mono"
            >
              {g.topic}[{g.partition}]
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
