'use client';

import { formatDateTime } from '../../_lib/format.ts';
import { ErrorState, Loading } from '../../_components/states.tsx';
import { useSchemaHistory } from './api.ts';

// The schemas one event type of a topic was written with (id / version, or the inferred shape of
// schemaless JSON), first and last seen, and the records ingest flagged for schema drift. Shown in
// the record inspector for the record's topic and type.

export function SchemaHistoryPanel({ topic, type }: { topic: string; type: string | null }) {
  const q = useSchemaHistory(topic);
  if (q.isPending) return <Loading what={`schemas of ${topic}`} />;
  if (q.isError)
    return <ErrorState error={q.error} what={`schemas of ${topic}`} onRetry={() => void q.refetch()} />;
  const group = q.data.types.find((t) => t.type === type) ?? (type === null ? q.data.types[0] : undefined);
  if (!group || group.schemas.length === 0) return null;
  return (
    <section data-testid="schema-history">
      <h3>
        Schemas of {type ?? 'untyped records'} on {topic}{' '}
        <span className="muted">(newest {q.data.scanned} records)</span>
      </h3>
      <table className="table">
        <thead>
          <tr>
            <th>schema</th>
            <th>records</th>
            <th>first seen</th>
            <th>last seen</th>
          </tr>
        </thead>
        <tbody>
          {group.schemas.map((s) => (
            <tr key={s.key} data-testid="schema-row" title={s.fields.join('\n')}>
              <td className="mono">
                {s.schemaId !== null
                  ? `${s.format} id ${s.schemaId}${s.subject ? ` · ${s.subject} v${s.version ?? '?'}` : ''}`
                  : s.format === 'inferred'
                    ? `inferred shape (${s.fields.length} fields)`
                    : s.key}
              </td>
              <td>{s.records}</td>
              <td>{formatDateTime(s.firstSeen)}</td>
              <td>{formatDateTime(s.lastSeen)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {group.drift.length > 0 ? (
        <ul data-testid="schema-drift">
          {group.drift.slice(-5).map((d) => (
            <li key={d.recordId}>
              <span className="mono">{d.recordId}</span> · {formatDateTime(d.at)}: {d.problem}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
