import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { Chain, Span } from '../../../lib/api/chains.ts';
import { SpanPanel } from './span-panel.tsx';
import { spanKey } from './waterfall.tsx';

// The span panel on a span as the collector serves it: events relative to the span's start with
// their attributes, the resource's attributes, and names and values from services as text only.

const span: Span = {
  traceId: 'a'.repeat(32),
  spanId: 'b'.repeat(16),
  parentSpanId: null,
  name: 'process orders',
  kind: 'consumer',
  service: 'checkout',
  startMs: 1_000,
  endMs: 1_050,
  status: 'error',
  attributes: {},
  links: [],
  events: [
    { name: '<img src=x onerror=alert(1)>', timeMs: 1_012, attributes: { 'exception.type': 'TypeError' } },
  ],
  resource: { 'service.name': 'checkout', 'host.name': '<b>h1</b>' },
  recordId: null,
};
const render = (s: Span) =>
  renderToStaticMarkup(
    createElement(SpanPanel, {
      chain: { spans: [s] } as unknown as Chain,
      spanId: spanKey(s),
      onClose: () => {},
    }),
  );

describe('span panel', () => {
  it('lists events at their offset from the span start and the resource attributes, as text', () => {
    const html = render(span);
    expect(html).toContain('Events (1)');
    expect(html).toContain('+12 ms');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    expect(html).toContain('exception.type');
    expect(html).toContain('Resource attributes (2)');
    expect(html).toContain('&lt;b&gt;h1&lt;/b&gt;');
    expect(html).not.toContain('Not stored');
  });

  it('says when a span has no events and no resource stored', () => {
    const html = render({ ...span, events: [], resource: {} });
    expect(html).toContain('Events (0)');
    expect(html).toContain('None stored');
  });
});
