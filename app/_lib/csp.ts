// The console's Content-Security-Policy. Scripts run only with the per-request nonce (Next.js
// stamps it on its own scripts), so markup smuggled into the page through a record can never
// execute even if some view mistakenly rendered it as HTML. Styles allow inline attributes:
// React renders `style` props as attributes and they cannot run code.

export function buildCsp(opts: { nonce: string; wsOrigin: string; dev: boolean }): string {
  const directives = [
    `default-src 'self'`,
    `script-src 'self' 'nonce-${opts.nonce}' 'strict-dynamic'${opts.dev ? ` 'unsafe-eval'` : ''}`,
    `style-src 'self' 'unsafe-inline'`,
    `img-src 'self' data: blob:`,
    `font-src 'self'`,
    // The live tail's WebSocket goes straight to the collector.
    `connect-src 'self' ${opts.wsOrigin}`,
    `object-src 'none'`,
    `base-uri 'self'`,
    `form-action 'self'`,
    `frame-ancestors 'none'`,
  ];
  return directives.join('; ');
}

/** `ws://host:port` of a WebSocket URL, for connect-src. */
export function wsOriginOf(wsUrl: string): string {
  const u = new URL(wsUrl);
  return `${u.protocol}//${u.host}`;
}

export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}
