import { describe, expect, it } from 'vitest';
import type { RecordSummary } from '../../../lib/api/records.ts';
import { recordsPath } from './api.ts';
import { csvField, explorerMode, explorerPath, explorerRequest, recordsToCsv } from './explorer-query.ts';

describe('records explorer request', () => {
  it('seeks a partition by offset only with a topic and a partition', () => {
    expect(explorerRequest({ topic: 'orders', partition: 2, offset: 40, q: 'ignored' })).toEqual({
      limit: 50,
      topic: 'orders',
      partition: 2,
      offset: 40,
    });
    expect(explorerMode({ offset: 40 })).toBe('latest');
    expect(explorerRequest({ offset: 40 })).toEqual({ limit: 50 });
  });

  it('searches newest first, and reads forward in time only without text', () => {
    expect(explorerRequest({ q: 'insufficient funds', from: 5, order: 'asc' })).toEqual({
      limit: 50,
      q: 'insufficient funds',
      from: 5,
    });
    expect(explorerRequest({ topic: 't', from: 5, order: 'asc' })).toEqual({
      limit: 50,
      topic: 't',
      from: 5,
      order: 'asc',
    });
  });
});

describe('records explorer path', () => {
  it('is the request the explorer sends for its first page', () => {
    const state = { q: 'insufficient funds', from: 1000, to: 2000, topic: 'payment.events' };
    expect(explorerPath(state)).toBe(recordsPath(explorerRequest(state)));
    expect(explorerPath(state)).toBe(
      '/api/records?limit=50&topic=payment.events&q=insufficient+funds&from=1000&to=2000',
    );
  });
});

describe('records export', () => {
  it('quotes CSV fields and defuses spreadsheet formulas', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(null)).toBe('');
    const r = {
      id: 't:0:1',
      topic: 't',
      partition: 0,
      offset: 1,
      timestamp: 0,
      key: 'k\n1',
      ceType: 'OrderPlaced',
    } as Partial<RecordSummary> as RecordSummary;
    const csv = recordsToCsv([r]).split('\r\n');
    expect(csv[0]).toMatch(/^id,topic,partition,offset,timestamp,key,/);
    expect(csv[1]).toMatch(/^t:0:1,t,0,1,1970-01-01T00:00:00.000Z,"k\n1",OrderPlaced,/);
  });
});
