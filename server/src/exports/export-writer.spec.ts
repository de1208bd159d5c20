import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import exportMessages from '../contract/i18n/exports';
import roomMessages from '../contract/i18n/room';
import { BOM } from './exports.service';
import { csvField } from './step-history';
import { ExportWriter, membersLine, noteLine } from './export-writer';

/** A message's arguments and tags with their types: both languages must use the same ones. */
function argumentsOf(elements: MessageFormatElement[], found = new Set<string>()): Set<string> {
  for (const element of elements) {
    if (element.type === TYPE.literal || element.type === TYPE.pound) continue;
    found.add(`${element.value}:${TYPE[element.type]}`);
    if (element.type === TYPE.plural || element.type === TYPE.select) for (const option of Object.values(element.options)) argumentsOf(option.value, found);
    if (element.type === TYPE.tag) argumentsOf(element.children, found);
  }
  return found;
}

describe('the server catalogs for the room', () => {
  for (const [area, catalog] of Object.entries({ exports: exportMessages, room: roomMessages })) {
    it(`${area}: the same keys and arguments in English and Japanese, each key under ${area}.`, () => {
      const en = catalog.en as Record<string, string>;
      const ja = catalog.ja as Record<string, string>;
      expect(Object.keys(ja).sort()).toEqual(Object.keys(en).sort());
      for (const key of Object.keys(en)) {
        expect(key.startsWith(`${area}.`), key).toBe(true);
        expect([...argumentsOf(parse(ja[key], { ignoreTag: true }))].sort(), key).toEqual([...argumentsOf(parse(en[key], { ignoreTag: true }))].sort());
        expect(ja[key].trim(), `${key} is empty in Japanese`).not.toBe('');
      }
    });
  }
});

describe('an export in Japanese', () => {
  const ja = new ExportWriter('ja');
  const en = new ExportWriter('en');

  it('writes numbers, lists, dates and times the Japanese way, in UTC', () => {
    expect(ja.number(1234.5)).toBe('1,234.5');
    expect(ja.list(['山田 太郎', '佐藤 花子'])).toBe('山田 太郎、佐藤 花子');
    expect(en.list(['Ada', 'Grace', 'Linus'])).toBe('Ada, Grace, Linus');
    expect(ja.day('2026-01-01T10:05:00Z')).toBe('2026年1月1日 10:05 UTC');
    expect(ja.time('2026-01-01T10:05:00Z')).toBe('10:05 UTC');
  });

  it('keeps Japanese names and notes intact, markup made harmless', () => {
    expect(membersLine(ja, ['山田 太郎', '佐藤 花子'])).toBe('メンバー：山田 太郎、佐藤 花子');
    expect(noteLine(ja, 'eBPF で遅い SQL を<追跡>\n二行目', '山田 太郎')).toBe('- eBPF で遅い SQL を&lt;追跡&gt;\n  二行目（山田 太郎）');
    expect(membersLine(en, [])).toBe('Members: (none)');
  });

  it('CSV: a byte-order mark, and Japanese headers and names as they are', () => {
    expect(BOM).toBe('\ufeff');
    expect(Buffer.from(BOM, 'utf8')).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect([ja.t('exports.csv.attendee'), ja.t('exports.csv.minutesSpent')].map(csvField).join(',')).toBe('参加者,所要時間（分）');
    expect(csvField('山田, 太郎')).toBe('"山田, 太郎"');
  });
});
