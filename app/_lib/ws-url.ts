import type { ConsoleConfig } from './config.ts';

/**
 * The WebSocket URL browsers open for the live tail. REST goes through the console's own server,
 * but the tail connects straight to the collector so a busy stream does not pass through Next.js.
 */
export function publicWsUrl(config: Pick<ConsoleConfig, 'COLLECTOR_URL' | 'COLLECTOR_PUBLIC_URL'>): string {
  const base = new URL(config.COLLECTOR_PUBLIC_URL ?? config.COLLECTOR_URL);
  if (base.protocol === 'http:') base.protocol = 'ws:';
  else if (base.protocol === 'https:') base.protocol = 'wss:';
  base.pathname = `${base.pathname.replace(/\/+$/, '')}/ws`;
  base.search = '';
  base.hash = '';
  return base.toString();
}
