import type {
  Chain,
  ConsumerGroup,
  DlqEntryDetail,
  Health,
  RecordDetail,
  RecordSummary,
  SagaDetail,
  Topology,
} from '../../../lib/api/index.ts';
import type { AlertsResponse } from '../../../lib/api/alerts.ts';
import type { TopicsResponse } from '../../../lib/api/topics.ts';

// Contract-shaped fixtures for the fake collector: one order's flow, one dead letter, a stalled
// group, a firing alert, and a record whose key, header and payload carry markup.

export const XSS = `<img src=x onerror="window.__xss=1;alert(1)"><script>window.__xss=1</script>`;
const T0 = Date.now() - 60_000;
const ORDER = 'ord-fake-1';

const summary = (
  topic: string,
  offset: number,
  ceType: string | null,
  at: number,
  extra: Partial<RecordSummary> = {},
): RecordSummary => ({
  id: `${topic}:0:${offset}`,
  topic,
  partition: 0,
  offset,
  timestamp: at,
  storedAt: at + 3,
  key: ORDER,
  keyEncoding: 'utf8',
  valueKind: 'json',
  valueSize: 120,
  valueTruncated: false,
  ceId: `00000000-0000-4000-8000-${String(offset).padStart(12, '0')}`,
  ceType,
  ceSource: 'shop/order',
  ceTime: new Date(at).toISOString(),
  causationId: null,
  correlationId: ORDER,
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  sagaId: 'saga-1',
  sagaType: 'order-fulfilment',
  isDlq: false,
  isRetry: false,
  anomalies: [],
  ...extra,
});

const FLOW: [string, string][] = [
  ['orders.events', 'OrderPlaced'],
  ['inventory.commands', 'ReserveInventory'],
  ['inventory.events', 'InventoryReserved'],
  ['payment.commands', 'AuthorizePayment'],
  ['payment.events', 'PaymentAuthorized'],
  ['shipping.commands', 'PrepareShipment'],
  ['shipping.events', 'ShipmentPrepared'],
  ['orders.events', 'OrderConfirmed'],
];

export const records: RecordSummary[] = FLOW.map(([topic, type], i) =>
  summary(topic, 100 + i, type, T0 + i * 40, i === 4 ? { anomalies: ['duplicate'] } : {}),
);
export const xssRecord: RecordSummary = summary('orders.events', 999, XSS, T0 + 500, {
  key: XSS,
  correlationId: XSS,
});

export function recordDetail(id: string): RecordDetail | undefined {
  const base = [...records, xssRecord, dlqRecord].find((r) => r.id === id);
  if (!base) return undefined;
  const xss = base === xssRecord;
  return {
    ...base,
    headers: [
      { key: 'ce_specversion', value: '1.0', encoding: 'utf8', size: 3 },
      { key: 'ce_type', value: base.ceType ?? '', encoding: 'utf8', size: 10 },
      { key: 'traceparent', value: `00-${base.traceId}-${base.spanId}-01`, encoding: 'utf8', size: 55 },
      ...(xss ? [{ key: 'x-evil', value: XSS, encoding: 'utf8' as const, size: XSS.length }] : []),
      ...(base.isDlq
        ? [
            {
              key: 'kafka_dlt-original-topic',
              value: 'payment.commands',
              encoding: 'utf8' as const,
              size: 16,
            },
            { key: 'kafka_dlt-original-partition', value: '00000000', encoding: 'hex' as const, size: 4 },
            {
              key: 'kafka_dlt-original-offset',
              value: '0000000000000067',
              encoding: 'hex' as const,
              size: 8,
            },
          ]
        : []),
    ],
    valueText: xss
      ? JSON.stringify({ note: XSS, html: '<b>bold?</b>' })
      : JSON.stringify({ orderId: ORDER, amount: 42.5, items: [{ sku: 'A-1', qty: 2 }] }),
    valueBase64: null,
    problems: [],
    dlq: base.isDlq
      ? {
          convention: 'spring',
          originTopic: 'payment.commands',
          originPartition: 0,
          originOffset: 103,
          errorClass: 'PoisonMessageError',
          errorMessage: 'payload rejected: poison',
          attempts: 1,
          problems: [],
        }
      : null,
  };
}

export const dlqRecord: RecordSummary = summary('payment.commands-dlt', 7, 'AuthorizePayment', T0 + 900, {
  isDlq: true,
  key: 'ord-poison-1',
  correlationId: 'ord-poison-1',
});

export const dlqEntry: DlqEntryDetail = {
  id: 'dlq-1',
  recordId: dlqRecord.id,
  dlqTopic: 'payment.commands-dlt',
  convention: 'spring',
  originTopic: 'payment.commands',
  originPartition: 0,
  originOffset: 103,
  originGroup: 'payment-service',
  errorClass: 'PoisonMessageError',
  errorMessage: 'payload rejected: poison',
  attempts: 1,
  firstFailedAt: T0 + 900,
  lastFailedAt: T0 + 900,
  key: 'ord-poison-1',
  ceType: 'AuthorizePayment',
  correlationId: 'ord-poison-1',
  sagaId: 'saga-2',
  status: 'unresolved',
  replayCount: 0,
  errorStack: 'PoisonMessageError: payload rejected\n    at handle (payment/handler.ts:42:11)',
  errorCauseClass: null,
  replays: [],
  chainId: 'ord-poison-1',
};

export const chain: Chain = {
  id: ORDER,
  correlationId: ORDER,
  traceIds: ['4bf92f3577b34da6a3ce929d0e0e4736'],
  flow: 'order-fulfilment',
  status: 'complete',
  outcome: { kind: 'succeeded', event: 'OrderConfirmed', reason: null },
  stoppedAt: null,
  startedAt: T0,
  endedAt: T0 + FLOW.length * 40 + 30,
  durationMs: FLOW.length * 40 + 30,
  records,
  spans: records.map((r, i) => ({
    traceId: r.traceId!,
    spanId: `span${String(i).padStart(12, '0')}`,
    parentSpanId: null,
    name: `process ${r.topic}`,
    kind: 'consumer' as const,
    service: [
      'order',
      'orchestrator',
      'inventory',
      'orchestrator',
      'payment',
      'orchestrator',
      'shipping',
      'notification',
    ][i]!,
    startMs: r.timestamp + 8,
    endMs: r.timestamp + 25,
    status: 'ok' as const,
    attributes: {},
    links: [],
    recordId: r.id,
  })),
  edges: records.slice(1).map((r, i) => ({ from: records[i]!.id, to: r.id, kind: 'causation' as const })),
  hops: records.map((r) => ({
    recordId: r.id,
    topic: r.topic,
    producer: 'svc',
    consumerGroup: 'grp',
    consumer: 'c1',
    producedAt: r.timestamp - 2,
    brokerAt: r.timestamp,
    brokerAtSource: 'log_append_time' as const,
    consumedAt: r.timestamp + 5,
    processedAt: r.timestamp + 25,
  })),
  anomalies: [{ kind: 'duplicate', recordId: records[4]!.id, detail: 'ce_id seen twice' }],
  sagaIds: ['saga-1'],
  truncated: false,
};

export const saga: SagaDetail = {
  id: 'saga-1',
  type: 'order-fulfilment',
  source: 'orchestrated',
  state: 'COMPENSATED',
  correlationId: ORDER,
  currentStep: null,
  startedAt: T0,
  updatedAt: T0 + 400,
  deadline: null,
  steps: [
    {
      name: 'ReserveInventory',
      status: 'SUCCEEDED',
      startedAt: T0 + 40,
      endedAt: T0 + 80,
      compensation: false,
      recordIds: [],
    },
    {
      name: 'AuthorizePayment',
      status: 'FAILED',
      startedAt: T0 + 120,
      endedAt: T0 + 160,
      compensation: false,
      recordIds: [],
    },
    {
      name: 'ReleaseInventory',
      status: 'COMPENSATED',
      startedAt: T0 + 200,
      endedAt: T0 + 260,
      compensation: true,
      recordIds: [],
    },
  ],
  history: [
    { at: T0, state: 'RUNNING', step: null, event: 'OrderPlaced', reason: null, recordId: records[0]!.id },
    {
      at: T0 + 160,
      state: 'COMPENSATING',
      step: 'AuthorizePayment',
      event: 'PaymentDeclined',
      reason: 'card declined',
      recordId: null,
    },
    {
      at: T0 + 400,
      state: 'COMPENSATED',
      step: null,
      event: 'OrderCancelled',
      reason: 'payment declined',
      recordId: null,
    },
  ],
  nextExpected: null,
  waitingOn: null,
  dlqEntryIds: ['dlq-1'],
  reason: 'payment declined',
};

export const consumers: ConsumerGroup[] = [
  {
    groupId: 'payment-service',
    state: 'Stable',
    status: 'STALL',
    members: [
      {
        memberId: 'm-1',
        clientId: 'payment-1',
        host: '/127.0.0.1',
        assignments: [{ topic: 'payment.commands', partitions: [0, 1] }],
      },
    ],
    totalLag: 42,
    maxLagSeconds: 95,
    partitions: [
      {
        topic: 'payment.commands',
        partition: 0,
        committed: 100,
        high: 142,
        lag: 42,
        lagSeconds: 95,
        status: 'STALL',
      },
      {
        topic: 'payment.commands',
        partition: 1,
        committed: -1,
        high: 0,
        lag: 0,
        lagSeconds: null,
        status: 'OK',
      },
    ],
    history: Array.from({ length: 20 }, (_, i) => [T0 + i * 5000, i * 2] as [number, number]),
    polledAt: Date.now(),
  },
  {
    groupId: 'inventory-service',
    state: 'Stable',
    status: 'OK',
    members: [],
    totalLag: 0,
    maxLagSeconds: 0,
    partitions: [],
    history: [],
    polledAt: Date.now(),
  },
];

export const topology: Topology = {
  windowMs: 300_000,
  nodes: [
    { id: 'svc:order', kind: 'service', label: 'order', ratePerSec: 2, isDlq: false, lagStatus: null },
    {
      id: 'topic:orders.events',
      kind: 'topic',
      label: 'orders.events',
      ratePerSec: 4,
      isDlq: false,
      lagStatus: null,
    },
    {
      id: 'group:orchestrator',
      kind: 'group',
      label: 'orchestrator',
      ratePerSec: 4,
      isDlq: false,
      lagStatus: 'OK',
    },
    {
      id: 'svc:orchestrator',
      kind: 'service',
      label: 'orchestrator',
      ratePerSec: 6,
      isDlq: false,
      lagStatus: null,
    },
    {
      id: 'topic:payment.commands',
      kind: 'topic',
      label: 'payment.commands',
      ratePerSec: 2,
      isDlq: false,
      lagStatus: null,
    },
    {
      id: 'group:payment-service',
      kind: 'group',
      label: 'payment-service',
      ratePerSec: 1,
      isDlq: false,
      lagStatus: 'STALL',
    },
    { id: 'svc:payment', kind: 'service', label: 'payment', ratePerSec: 1, isDlq: false, lagStatus: null },
    {
      id: 'topic:payment.commands-dlt',
      kind: 'topic',
      label: 'payment.commands-dlt',
      ratePerSec: 0.1,
      isDlq: true,
      lagStatus: null,
    },
  ],
  edges: [
    {
      source: 'svc:order',
      target: 'topic:orders.events',
      kind: 'produces',
      ratePerSec: 2,
      errorRate: 0,
      lagStatus: null,
    },
    {
      source: 'topic:orders.events',
      target: 'group:orchestrator',
      kind: 'consumed_by',
      ratePerSec: 4,
      errorRate: 0,
      lagStatus: 'OK',
    },
    {
      source: 'group:orchestrator',
      target: 'svc:orchestrator',
      kind: 'runs',
      ratePerSec: 4,
      errorRate: 0,
      lagStatus: null,
    },
    {
      source: 'svc:orchestrator',
      target: 'topic:payment.commands',
      kind: 'produces',
      ratePerSec: 2,
      errorRate: 0,
      lagStatus: null,
    },
    {
      source: 'topic:payment.commands',
      target: 'group:payment-service',
      kind: 'consumed_by',
      ratePerSec: 1,
      errorRate: 0.08,
      lagStatus: 'STALL',
    },
    {
      source: 'group:payment-service',
      target: 'svc:payment',
      kind: 'runs',
      ratePerSec: 1,
      errorRate: 0,
      lagStatus: null,
    },
    {
      source: 'svc:payment',
      target: 'topic:payment.commands-dlt',
      kind: 'produces',
      ratePerSec: 0.1,
      errorRate: 0,
      lagStatus: null,
    },
  ],
};

export const health: Health = {
  status: 'ok',
  bus: 'embedded',
  busConnected: true,
  busError: null,
  startedAt: T0 - 3600_000,
  lastIngestAt: Date.now() - 1000,
  recordsStored: 1234,
  recordsIndexing: 0,
  ingestRatePerSec: 12.5,
  e2eLatencyP95Ms: 230,
  dlqDepth: 1,
  stuckSagas: 0,
  firingAlerts: 1,
  lagPolledAt: Date.now(),
  authRequired: { read: false, write: true },
};

export const alerts: AlertsResponse = {
  source: 'native',
  alerts: [
    {
      labels: {
        alertname: 'ConsumerStalled',
        severity: 'critical',
        group: 'payment-service',
        topic: 'payment.commands',
      },
      annotations: {
        summary: 'Consumer group payment-service is stalled on payment.commands',
        description: 'Commits stopped while lag > 0.',
      },
      state: 'firing',
      activeAt: new Date(T0).toISOString(),
      value: '1e+00',
    },
    {
      labels: { alertname: 'DeadLetterRecords', severity: 'warning', dlq_topic: 'payment.commands-dlt' },
      annotations: { summary: 'Records are arriving on payment.commands-dlt' },
      state: 'pending',
      activeAt: new Date(T0 + 30_000).toISOString(),
      value: '1e+00',
    },
  ],
};

const partitions = (high: number) => [0, 1].map((partition) => ({ partition, low: 0, high }));
export const topics: TopicsResponse = {
  configsKnown: true,
  polledAt: T0,
  items: [
    {
      name: 'orders.events',
      role: 'data',
      compacted: false,
      timestampType: 'CreateTime',
      partitions: partitions(120),
      ratePerSec: 4,
    },
    {
      name: 'customer.profiles',
      role: 'compacted',
      compacted: true,
      timestampType: 'CreateTime',
      partitions: partitions(30),
      ratePerSec: 0.2,
    },
    {
      name: 'payment.commands-retry',
      role: 'retry',
      compacted: false,
      timestampType: 'CreateTime',
      partitions: partitions(3),
      ratePerSec: 0,
    },
    {
      name: 'payment.commands-dlt',
      role: 'dlq',
      compacted: false,
      timestampType: 'CreateTime',
      partitions: partitions(8),
      ratePerSec: 0.1,
    },
  ],
};
