'use client';

import { createContext, useContext } from 'react';
import type { ToastStore } from './toast-store.ts';

export interface ConsoleRuntime {
  /** Where the live tail's WebSocket connects (the collector, directly). */
  readonly wsUrl: string;
  readonly toasts: ToastStore;
}

export const ConsoleContext = createContext<ConsoleRuntime | null>(null);

export function useConsoleRuntime(): ConsoleRuntime {
  const ctx = useContext(ConsoleContext);
  if (!ctx) throw new Error('useConsoleRuntime must be used inside <Providers>');
  return ctx;
}
