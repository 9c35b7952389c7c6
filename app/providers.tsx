'use client';

import { QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { ConsoleContext, type ConsoleRuntime } from './_lib/console-context.ts';
import { createQueryClient } from './_lib/query-client.ts';
import { createToastStore } from './_lib/toast-store.ts';
import { Toaster } from './_components/toaster.tsx';

export function Providers({ wsUrl, children }: { wsUrl: string; children: ReactNode }) {
  // Created once per browser tab (useState initialiser), never shared between server requests.
  const [runtime] = useState<ConsoleRuntime>(() => ({ wsUrl, toasts: createToastStore() }));
  const [queryClient] = useState(() => createQueryClient((message) => runtime.toasts.push(message)));
  return (
    <ConsoleContext.Provider value={runtime}>
      <QueryClientProvider client={queryClient}>
        {children}
        <Toaster />
      </QueryClientProvider>
    </ConsoleContext.Provider>
  );
}
