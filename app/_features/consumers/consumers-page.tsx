'use client';

import Link from 'next/link';
import { useEffect, useMemo, useRef } from 'react';
import { z } from 'zod';
import type { ConsumerGroup } from '../../../lib/api/consumers.ts';
import { lagStatusSchema } from '../../../lib/api/consumers.ts';
import { formatDuration, formatNumber, formatRelative } from '../../_lib/format.ts';
import { useUrlState } from '../../_lib/use-url-state.ts';
import { Badge } from '../../_components/badge.tsx';
import { FilterBar, SelectFilter, TextFilter } from '../../_components/filter-bar.tsx';
import { Empty, QueryStates } from '../../_components/states.tsx';
import { useConsumerGroups } from './api.ts';
import { sortWorstFirst } from './lag-sort.ts';
import { Sparkline } from './sparkline.tsx';

const consumersUrlShape = { group: z.string().max(256), status: lagStatusSchema, q: z.string().max(256) };

function GroupDetail({ g }: { g: ConsumerGroup }) {
  return (
    <div className="stack" data-testid="consumer-group-detail">
      <div>
        <h3>Members ({g.members.length})</h3>
        {g.members.length === 0 ? (
          <p className="muted">No active members: nobody is consuming for this group right now.</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>Client</th>
                <th>Host</th>
                <th>Assignments</th>
              </tr>
            </thead>
            <tbody>
              {g.members.map((m) => (
                <tr key={m.memberId}>
                  <td className="mono" title={m.memberId}>
                    {m.clientId}
                  </td>
                  <td className="mono">{m.host}</td>
                  <td className="mono">
                    {m.assignments.map((a) => `${a.topic}[${a.partitions.join(',')}]`).join(' ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div>
        <h3>Partitions</h3>
        <table className="table" data-testid="consumer-partitions">
          <thead>
            <tr>
              <th>Topic</th>
              <th className="num">Partition</th>
              <th className="num">Committed</th>
              <th className="num">High watermark</th>
              <th className="num">Lag</th>
              <th className="num">Lag time</th>
              <th>Status</th>
              <th>Stuck on</th>
            </tr>
          </thead>
          <tbody>
            {g.partitions.map((p) => (
              <tr
                key={`${p.topic}:${p.partition}`}
                data-testid="consumer-partition"
                data-topic={p.topic}
                data-partition={p.partition}
                data-lag={p.lag}
              >
                <td className="mono">{p.topic}</td>
                <td className="num">{p.partition}</td>
                <td className="num">
                  {p.committed < 0 ? <span className="muted">no commit</span> : formatNumber(p.committed)}
                </td>
                <td className="num">{formatNumber(p.high)}</td>
                <td className="num">{formatNumber(p.lag)}</td>
                <td className="num">{p.lagSeconds === null ? '—' : formatDuration(p.lagSeconds * 1000)}</td>
                <td>
                  <Badge value={p.status} />
                </td>
                <td>
                  <StuckOnLink topic={p.topic} partition={p.partition} committed={p.committed} lag={p.lag} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/**
 * The committed offset is the next record the group will read: with lag, the one it is stuck on.
 * The link opens the records explorer on that partition from that offset.
 */
function StuckOnLink({
  topic,
  partition,
  committed,
  lag,
}: {
  topic: string;
  partition: number;
  committed: number;
  lag: number;
}) {
  if (lag <= 0) return <span className="muted">—</span>;
  // No commit yet: the group starts at the log start, which the explorer shows from offset 0 on.
  const offset = Math.max(0, committed);
  return (
    <Link
      href={`/records?topic=${encodeURIComponent(topic)}&partition=${partition}&offset=${offset}&record=${encodeURIComponent(`${topic}:${partition}:${offset}`)}`}
      data-testid="partition-stuck-record"
      className="mono"
    >
      record at offset {formatNumber(offset)}
    </Link>
  );
}

export function ConsumersPage() {
  const groups = useConsumerGroups();
  const [url, setUrl] = useUrlState(consumersUrlShape);
  const sorted = useMemo(() => {
    const items = sortWorstFirst(groups.data?.items ?? []);
    return items.filter(
      (g) => (!url.status || g.status === url.status) && (!url.q || g.groupId.includes(url.q)),
    );
  }, [groups.data, url.status, url.q]);
  const selectedRef = useRef<HTMLDivElement>(null);
  const selectedGroup = url.group;
  useEffect(() => {
    selectedRef.current?.scrollIntoView({ block: 'nearest' });
  }, [selectedGroup, groups.isSuccess]);

  return (
    <div>
      <div className="page-head">
        <h1>Consumers</h1>
        <span className="muted">
          Consumer groups, worst first. Status follows Burrow: STALL = commits stopped while lag &gt; 0, STOP
          = no commits for longer than the window, REWIND = offsets went back, WARN = lag keeps growing.
        </span>
      </div>
      <FilterBar>
        <TextFilter
          label="Group contains"
          value={url.q}
          onChange={(q) => setUrl({ q })}
          testid="consumers-filter-q"
        />
        <SelectFilter
          label="Status"
          value={url.status}
          onChange={(status) => setUrl({ status })}
          testid="consumers-filter-status"
          options={lagStatusSchema.options}
          anyLabel="any"
        />
        {groups.data?.polledAt ? (
          <span className="muted">Polled {formatRelative(groups.data.polledAt, Date.now())}</span>
        ) : null}
      </FilterBar>
      <QueryStates
        query={groups}
        what="consumer groups"
        empty={
          groups.data?.polledAt === null ? (
            <Empty
              title="Lag has not been polled yet."
              next="The collector polls every group on an interval (LAG_POLL_INTERVAL_MS); the first figures appear after one poll."
            />
          ) : sorted.length === 0 ? (
            <Empty
              title="No consumer groups match."
              next="Groups appear once they have committed offsets. Clear the filter to see all."
            />
          ) : null
        }
      />
      {sorted.map((g) => {
        const selected = g.groupId === selectedGroup;
        const toggle = () => setUrl({ group: selected ? null : g.groupId });
        return (
          <div
            key={g.groupId}
            ref={selected ? selectedRef : undefined}
            className={`card group-card${selected ? ' selected' : ''}`}
            data-testid="consumer-group"
            data-group={g.groupId}
            data-status={g.status}
          >
            <div
              className="group-head"
              role="button"
              tabIndex={0}
              aria-expanded={selected}
              onClick={toggle}
              onKeyDown={(e) => {
                if (e.key === 'Enter') toggle();
                if (e.key === 'Escape' && selected) setUrl({ group: null });
              }}
            >
              <Badge value={g.status} testid="consumer-status" />
              <strong className="mono grow">{g.groupId}</strong>
              <span className="muted">{g.state}</span>
              <span>{g.members.length} members</span>
              <span title="Total offset lag">lag {formatNumber(g.totalLag)}</span>
              <span title="Largest lag in time">
                {g.maxLagSeconds === null ? '—' : formatDuration(g.maxLagSeconds * 1000)} behind
              </span>
              <Sparkline points={g.history} label={`Lag trend of ${g.groupId}`} />
            </div>
            {selected ? <GroupDetail g={g} /> : null}
          </div>
        );
      })}
    </div>
  );
}
