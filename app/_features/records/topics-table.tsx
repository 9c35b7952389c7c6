'use client';

import type { TopicInfo } from '../../../lib/api/topics.ts';
import { formatNumber, formatRate } from '../../_lib/format.ts';
import { Badge } from '../../_components/badge.tsx';
import { QueryStates } from '../../_components/states.tsx';
import { useTopics } from './api.ts';

// The topics the collector ingests: role, partitions with their offsets, rate. A partition opens
// the explorer on it from its oldest retained offset (Kafka UIs' "browse partition").

export function TopicsTable({
  selected,
  onBrowse,
}: {
  selected: string | undefined;
  onBrowse: (topic: string, partition?: number, offset?: number) => void;
}) {
  const topics = useTopics();
  return (
    <div className="card" data-testid="topics">
      <h2>Topics</h2>
      <QueryStates query={topics} what="topics" />
      {topics.isSuccess ? (
        <>
          {!topics.data.configsKnown ? (
            <p className="hint" data-testid="topics-configs-unknown">
              The broker&apos;s topic configs could not be read: roles come from topic names only, and
              compaction and timestamp types are unknown.
            </p>
          ) : null}
          <div className="topics-scroll">
            <table className="table" data-testid="topics-table">
              <thead>
                <tr>
                  <th>Topic</th>
                  <th>Role</th>
                  <th>Partitions (offsets low–high)</th>
                  <th className="num">Records</th>
                  <th className="num">Rate</th>
                </tr>
              </thead>
              <tbody>
                {topics.data.items.map((t) => (
                  <TopicRow key={t.name} t={t} selected={t.name === selected} onBrowse={onBrowse} />
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </div>
  );
}

function TopicRow({
  t,
  selected,
  onBrowse,
}: {
  t: TopicInfo;
  selected: boolean;
  onBrowse: (topic: string, partition?: number, offset?: number) => void;
}) {
  const total = t.partitions.reduce((n, p) => n + (p.high - p.low), 0);
  return (
    <tr data-testid="topic-row" data-topic={t.name} data-role={t.role} className={selected ? 'selected' : ''}>
      <td className="mono">
        <button type="button" className="btn btn-ghost mono" onClick={() => onBrowse(t.name)}>
          {t.name}
        </button>
      </td>
      <td>
        <Badge value={t.role} testid="topic-role" />
        {t.timestampType === 'LogAppendTime' ? <span className="muted"> · LogAppendTime</span> : null}
      </td>
      <td>
        {t.partitions.map((p) => (
          <button
            key={p.partition}
            type="button"
            className="btn btn-ghost mono"
            data-testid="topic-partition"
            title={`Browse partition ${p.partition} from offset ${p.low}`}
            onClick={() => onBrowse(t.name, p.partition, p.low)}
          >
            {p.partition}: {formatNumber(p.low)}–{formatNumber(p.high)}
          </button>
        ))}
      </td>
      <td className="num">{formatNumber(total)}</td>
      <td className="num">{formatRate(t.ratePerSec)}</td>
    </tr>
  );
}
