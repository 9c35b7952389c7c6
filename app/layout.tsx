import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import type { ReactNode } from 'react';
import { loadConsoleConfig } from './_lib/config.ts';
import { parseTheme, THEME_COOKIE } from './_lib/theme.ts';
import { publicWsUrl } from './_lib/ws-url.ts';
import { AppShell } from './_components/app-shell.tsx';
import { Providers } from './providers.tsx';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Causeway', template: '%s · Causeway' },
  description: 'Observability and tracing console for event-driven microservices on Kafka',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Reading cookies makes every page dynamic: the collector's address is read per request, so
  // one build serves any deployment, and the CSP nonce from proxy.ts reaches every render.
  const theme = parseTheme((await cookies()).get(THEME_COOKIE)?.value);
  const config = loadConsoleConfig();
  return (
    <html lang="en" data-theme={theme === 'system' ? undefined : theme} suppressHydrationWarning>
      <body>
        <Providers wsUrl={publicWsUrl(config)}>
          <AppShell initialTheme={theme}>{children}</AppShell>
        </Providers>
      </body>
    </html>
  );
}
