'use client';

import { useState } from 'react';
import type { TailUrlState } from './tail-filter.ts';
import type { UrlValue } from '../../_lib/url-state.ts';
import { CheckFilter, FilterBar, TextFilter } from '../../_components/filter-bar.tsx';

type Patch = Partial<Record<keyof TailUrlState, UrlValue>>;
type Draft = Required<Omit<TailUrlState, 'dlqOnly'>>;

const TEXT_FILTERS: readonly { name: keyof Draft; label: string; placeholder: string }[] = [
  { name: 'topics', label: 'Topics', placeholder: 'orders.events, payment.events' },
  { name: 'types', label: 'Types', placeholder: 'OrderPlaced' },
  { name: 'key', label: 'Key', placeholder: 'exact key' },
  { name: 'correlationId', label: 'Correlation id', placeholder: 'order id' },
];

/**
 * Text filters apply on Enter / Apply (one re-subscribe per intent, not per keystroke); the DLQ
 * switch applies at once.
 */
export function TailFilters({ value, onChange }: { value: TailUrlState; onChange: (patch: Patch) => void }) {
  const [draft, setDraft] = useState<Draft>({
    topics: value.topics ?? '',
    types: value.types ?? '',
    key: value.key ?? '',
    correlationId: value.correlationId ?? '',
  });
  return (
    <FilterBar testid="tail-filters" onSubmit={() => onChange(draft)}>
      {TEXT_FILTERS.map(({ name, label, placeholder }) => (
        <TextFilter
          key={name}
          label={label}
          placeholder={placeholder}
          value={draft[name]}
          onChange={(v) => setDraft((d) => ({ ...d, [name]: v }))}
          testid={`tail-filter-${name}`}
        />
      ))}
      <CheckFilter
        label="DLQ only"
        checked={Boolean(value.dlqOnly)}
        onChange={(on) => onChange({ dlqOnly: on ? '1' : null })}
        testid="tail-filter-dlqOnly"
      />
      <button type="submit" className="btn btn-outline" data-testid="tail-filter-apply">
        Apply
      </button>
    </FilterBar>
  );
}
