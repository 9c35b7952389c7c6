'use client';

import { useSyncExternalStore } from 'react';
import { sessionToken } from './session-token.ts';

/** The operator token of this browser session, or null. Always null during server rendering. */
export function useOperatorToken(): string | null {
  return useSyncExternalStore(sessionToken.subscribe, sessionToken.get, () => null);
}
