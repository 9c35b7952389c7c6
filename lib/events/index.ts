export * from './headers.ts';
export * from './traceparent.ts';
export * from './envelope.ts';
export * from './dlq.ts';
export * from './shop-topics.ts';
export * from './shop-events.ts';
