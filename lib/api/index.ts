export * from './common.ts';
export * from './records.ts';
export * from './chains.ts';
export * from './sagas.ts';
export * from './dlq.ts';
export * from './consumers.ts';
export * from './topology.ts';
export * from './ws.ts';
