import { describe, expect, it } from 'vitest';
import { csvField } from './step-history';
import { looksLikeFormula, safeMarkdown } from './export-safety';

describe('safeMarkdown', () => {
  it.each([
    ['[click](javascript:alert(1))', '[click](#link-removed)'],
    ['![x](data:text/html;base64,PHNjcmlwdD4=)', '![x](#link-removed)'],
    ['[x]( JavaScript:alert(1))', '[x](#link-removed)'],
    ['[x](javascript&#58;alert(1))', '[x](#link-removed)'],
    ['[x](//evil.example)', '[x](#link-removed)'],
    ['[ref]: javascript:alert(1)', '[ref]: #link-removed'],
    ['<a href="javascript:x">', '&lt;a href="javascript:x"&gt;'],
  ])('%s', (input, output) => {
    expect(safeMarkdown(input)).toBe(output);
  });

  it('keeps web, mail and in-page links', () => {
    for (const link of ['[a](https://example.org/x)', '[b](http://example.org)', '[c](mailto:a@example.org)', '[d](#top)', '[e](/runs)'])
      expect(safeMarkdown(link)).toBe(link);
  });
});

describe('CSV formulas, Unicode look-alikes included', () => {
  it.each(['=1+1', '＝HYPERLINK("x")', '＋1', '－1', '＠SUM(A1)', '﹦1', '\u22121', ' =1', '\u200b=1'])('%s gets an apostrophe', (value) => {
    expect(looksLikeFormula(value)).toBe(true);
    expect(csvField(value).replace(/^"/, '')).toMatch(/^'/);
  });

  it('leaves plain text and numbers alone', () => {
    expect(csvField('Ada')).toBe('Ada');
    expect(csvField(-3)).toBe('-3');
  });
});
