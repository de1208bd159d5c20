import fs from 'node:fs';
import path from 'node:path';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import { catalogs } from './messages';

/** The names of a message's arguments and tags, with their types: both languages must use the same ones. */
function argumentsOf(elements: MessageFormatElement[], found = new Set<string>()): Set<string> {
  for (const element of elements) {
    if (element.type === TYPE.literal || element.type === TYPE.pound) continue;
    found.add(`${element.value}:${TYPE[element.type]}`);
    if (element.type === TYPE.plural || element.type === TYPE.select) {
      for (const option of Object.values(element.options)) argumentsOf(option.value, found);
    }
    if (element.type === TYPE.tag) argumentsOf(element.children, found);
  }
  return found;
}

describe('message catalogs', () => {
  for (const [area, catalog] of Object.entries(catalogs)) {
    describe(area, () => {
      it('has the same keys in English and Japanese, each named after its area', () => {
        expect(Object.keys(catalog.ja).sort()).toEqual(Object.keys(catalog.en).sort());
        for (const key of Object.keys(catalog.en)) expect(key.startsWith(`${area}.`), `${key} is in ${area}.ts`).toBe(true);
      });

      it('has messages that parse and use the same arguments and tags in both languages', () => {
        const en = catalog.en as Record<string, string>;
        const ja = catalog.ja as Record<string, string>;
        for (const key of Object.keys(en)) {
          const english = argumentsOf(parse(en[key]));
          const japanese = argumentsOf(parse(ja[key]));
          expect([...japanese].sort(), `${key}: "${ja[key]}" against "${en[key]}"`).toEqual([...english].sort());
          expect(ja[key].trim(), `${key} is empty in Japanese`).not.toBe('');
          // tRich() passes its tags as values: an argument named like a tag would be replaced by the tag's function.
          const arguments_ = [...english].filter((entry) => !entry.endsWith(':tag')).map((entry) => entry.split(':')[0]);
          expect(
            arguments_.filter((name) => ['b', 'code', 'em', 'kbd'].includes(name)),
            `${key} names an argument like a tag`,
          ).toEqual([]);
        }
      });
    });
  }

  it('has no key in two areas', () => {
    const seen = new Map<string, string>();
    for (const [area, catalog] of Object.entries(catalogs)) {
      for (const key of Object.keys(catalog.en)) {
        expect(seen.get(key), `${key} is in ${seen.get(key)} and ${area}`).toBeUndefined();
        seen.set(key, area);
      }
    }
  });
});

describe('what the pages show', () => {
  it('uses every message of the pages’ catalogs (a key no page names is a text nobody sees)', () => {
    const webRoot = path.resolve(import.meta.dirname, '..');
    const sources = fs
      .readdirSync(webRoot, { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.(svelte|ts)$/.test(file) && !file.includes('i18n/messages') && !file.endsWith('.spec.ts'))
      .map((file) => fs.readFileSync(path.join(webRoot, file), 'utf8'))
      .join('\n');
    const unused = Object.entries(catalogs)
      .filter(([area]) => area !== 'reasons')
      .flatMap(([, catalog]) => Object.keys(catalog.en))
      .filter((key) => !sources.includes(`'${key}'`) && !sources.includes(`"${key}"`));
    expect(unused).toEqual([]);
  });
});
