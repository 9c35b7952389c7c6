'use client';

import { useState } from 'react';
import type { TailUrlState } from './tail-filter.ts';
import type { UrlValue } from '../../_lib/url-state.ts';

type Patch = Partial<Record<keyof TailUrlState, UrlValue>>;

/**
 * Text filters apply on Enter / Apply (one re-subscribe per intent, not per keystroke); the DLQ
 * switch applies at once.
 */
export function TailFilters({ value, onChange }: { value: TailUrlState; onChange: (patch: Patch) => void }) {
  const [draft, setDraft] = useState({
    topics: value.topics ?? '',
    types: value.types ?? '',
    key: value.key ?? '',
    correlationId: value.correlationId ?? '',
  });
  const field = (name: keyof typeof draft, label: string, placeholder: string) => (
    <label className="field">
      <span>{label}</span>
      <input
        value={draft[name]}
        placeholder={placeholder}
        data-testid={`tail-filter-${name}`}
        onChange={(e) => setDraft((d) => ({ ...d, [name]: e.target.value }))}
      />
    </label>
  );
  return (
    <form
      className="filters"
      data-testid="tail-filters"
      onSubmit={(e) => {
        e.preventDefault();
        onChange({
          topics: draft.topics,
          types: draft.types,
          key: draft.key,
          correlationId: draft.correlationId,
        });
      }}
    >
      {field('topics', 'Topics', 'orders.events, payment.events')}
      {field('types', 'Types', 'OrderPlaced')}
      {field('key', 'Key', 'exact key')}
      {field('correlationId', 'Correlation id', 'order id')}
      <label className="check">
        <input
          type="checkbox"
          checked={Boolean(value.dlqOnly)}
          data-testid="tail-filter-dlqOnly"
          onChange={(e) => onChange({ dlqOnly: e.target.checked ? '1' : null })}
        />
        DLQ only
      </label>
      <button type="submit" className="btn btn-outline" data-testid="tail-filter-apply">
        Apply
      </button>
    </form>
  );
}
