'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import type { Theme } from '../_lib/theme.ts';
import { CollectorStatus } from '../_features/health/collector-status.tsx';
import { ThemeToggle } from './theme-toggle.tsx';
import { TokenButton } from './token-dialog.tsx';

const NAV = [
  { href: '/', label: 'Overview', testid: 'nav-overview' },
  { href: '/tail', label: 'Live tail', testid: 'nav-tail' },
  { href: '/records', label: 'Records', testid: 'nav-records' },
  { href: '/chains', label: 'Chains', testid: 'nav-chains' },
  { href: '/sagas', label: 'Sagas', testid: 'nav-sagas' },
  { href: '/dlq', label: 'DLQ', testid: 'nav-dlq' },
  { href: '/consumers', label: 'Consumers', testid: 'nav-consumers' },
  { href: '/alerts', label: 'Alerts', testid: 'nav-alerts' },
] as const;

function isActive(pathname: string, href: string): boolean {
  return href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`);
}

export function AppShell({ initialTheme, children }: { initialTheme: Theme; children: ReactNode }) {
  const pathname = usePathname();
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/" className="brand" data-testid="brand">
          Causeway
        </Link>
        <nav aria-label="Main" className="nav">
          {NAV.map((item) => (
            <Link
              key={item.href}
              href={item.href}
              data-testid={item.testid}
              className={isActive(pathname, item.href) ? 'nav-link active' : 'nav-link'}
              aria-current={isActive(pathname, item.href) ? 'page' : undefined}
            >
              {item.label}
            </Link>
          ))}
        </nav>
        <div className="topbar-tools">
          <CollectorStatus />
          <TokenButton />
          <ThemeToggle initial={initialTheme} />
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
