'use client';

import { useQuery } from '@tanstack/react-query';
import { schemaHistorySchema } from '../../../lib/api/schemas.ts';
import { apiGet, toQueryString } from '../../_lib/api-client.ts';
import { STALE } from '../../_lib/query-client.ts';

export const schemaKeys = {
  all: ['schemas'] as const,
  topic: (topic: string) => [...schemaKeys.all, 'topic', topic] as const,
};

/** The panel reads the newest 200 records: enough to show a switch, cheap on every inspector open. */
export const schemasPath = (topic: string) => `/api/schemas${toQueryString({ topic, limit: 200 })}`;

/** A topic's schema history per event type (read from its newest records). */
export function useSchemaHistory(topic: string) {
  return useQuery({
    queryKey: schemaKeys.topic(topic),
    queryFn: ({ signal }) => apiGet(schemasPath(topic), schemaHistorySchema, signal),
    staleTime: STALE.list,
  });
}
