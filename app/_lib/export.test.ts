import { describe, expect, it } from 'vitest';
import { toCsv } from './export.ts';

describe('toCsv', () => {
  it('quotes every cell, doubles quotes, and defuses formula-looking values', () => {
    const csv = toCsv([
      { id: 'a', n: 1, note: 'say "hi"' },
      { id: '=HYPERLINK("x")', n: null, tags: ['x', 'y'] },
    ]);
    expect(csv.split('\r\n')).toEqual([
      '"id","n","note","tags"',
      '"a","1","say ""hi""",""',
      `"'=HYPERLINK(""x"")","","","[""x"",""y""]"`,
      '',
    ]);
  });
});
