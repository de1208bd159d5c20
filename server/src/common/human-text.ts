/**
 * One rule for every string a person types (names, notes, group names, help messages): stored NFC, no
 * control, bidi or zero-width characters (they reorder or hide text others read), at most three
 * combining marks on one letter, and nobody's name reads as the navigator's.
 */

// eslint-disable-next-line no-control-regex -- refusing these characters is the point
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;
const LINE_BREAK = /[\n\r\u2028\u2029]/;
const STACKED_MARKS = /\p{M}{4,}/u;

/** What is wrong with a text a person typed: the `problem` of reasons.form.text_problem. */
export type HumanTextIssue = 'line_breaks' | 'invisible' | 'stacked_marks';

/** Why the text is refused, or null. `multiline` allows line breaks (notes). */
export function humanTextIssue(text: string, { multiline = false }: { multiline?: boolean } = {}): HumanTextIssue | null {
  if (!multiline && LINE_BREAK.test(text)) return 'line_breaks';
  if (INVISIBLE.test(text)) return 'invisible';
  if (STACKED_MARKS.test(text)) return 'stacked_marks';
  return null;
}

export function normalizeHumanText(text: string): string {
  return text.normalize('NFC');
}

/** Latin letters that Cyrillic and Greek ones are made to look like (Unicode's confusables, the common ones). */
const LOOK_ALIKES: Record<string, string> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ɡ: 'g',
  ɑ: 'a',
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  '0': 'o',
  '1': 'l',
};

/** A name folded to what a reader sees: compatibility forms, case, accents and look-alike letters removed. */
export function nameSkeleton(name: string): string {
  return [...name.normalize('NFKD').toLowerCase().replace(/\p{M}/gu, '')]
    .map((c) => LOOK_ALIKES[c] ?? c)
    .join('')
    .replace(/[^\p{L}\p{N}]/gu, '');
}

const RESERVED = new Set(['navigator', 'navlgator', 'admin', 'projector'].map(nameSkeleton));

/** Names that would pass for the navigator (or the system) on the board, the projector or a note. */
export function isReservedName(name: string): boolean {
  return RESERVED.has(nameSkeleton(name));
}
