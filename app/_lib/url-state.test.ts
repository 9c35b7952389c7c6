import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { patchSearch, readUrlState, splitList } from './url-state.ts';

const shape = {
  status: z.enum(['unresolved', 'replayed']),
  minAge: z.coerce.number().int().nonnegative(),
  key: z.string().max(5),
};

describe('readUrlState', () => {
  it('reads valid params and drops invalid ones one by one', () => {
    const sp = new URLSearchParams('status=bogus&minAge=300&key=abc&other=1');
    expect(readUrlState(sp, shape)).toEqual({ minAge: 300, key: 'abc' });
  });

  it('treats empty values as absent', () => {
    expect(readUrlState(new URLSearchParams('key='), shape)).toEqual({});
  });

  it('keeps markup in a value as an inert string', () => {
    expect(readUrlState(new URLSearchParams({ key: '<b>' }), shape)).toEqual({ key: '<b>' });
  });
});

describe('patchSearch', () => {
  it('sets, replaces and removes keys and sorts them so links are stable', () => {
    expect(patchSearch('?b=1&a=2', { c: 'x y', a: null })).toBe('?b=1&c=x+y');
    expect(patchSearch('b=1', { b: false })).toBe('');
    expect(patchSearch('', { n: 0 })).toBe('?n=0');
  });

  it('round-trips through readUrlState', () => {
    const qs = patchSearch('', { status: 'replayed', minAge: 60000 });
    expect(readUrlState(new URLSearchParams(qs), shape)).toEqual({ status: 'replayed', minAge: 60000 });
  });
});

describe('splitList', () => {
  it('splits on commas, trims and drops empties', () => {
    expect(splitList(' a, b,,c ')).toEqual(['a', 'b', 'c']);
    expect(splitList(undefined)).toEqual([]);
  });
});
