/**
 * The languages Navigator speaks. Pages render every text from message catalogs in the reader's
 * language; the server sends codes with parameters and keeps English for its logs.
 */
export const LOCALES = ['en', 'ja'] as const;
export type Locale = (typeof LOCALES)[number];

export const DEFAULT_LOCALE: Locale = 'en';

/** Each language's name in itself, for language pickers. */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', ja: '日本語' };

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** The first supported language among BCP 47 tags in preference order ("ja-JP" → ja), or null. */
export function matchLocale(tags: readonly string[]): Locale | null {
  for (const tag of tags) {
    const language = tag.trim().toLowerCase().split(/[-_;]/)[0];
    if (isLocale(language)) return language;
  }
  return null;
}

/** An Accept-Language header's languages in the order the browser prefers them (q values honoured). */
export function localeFromAcceptLanguage(header: string | undefined): Locale | null {
  if (!header) return null;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
      return { tag, q: q ? Number(q[1]) : 1, index };
    })
    .filter((entry) => entry.tag && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return matchLocale(ranked.map((entry) => entry.tag));
}

/** A text from a workshop file: one string for every reader, or one per language. */
export type LocalizedText = string | Partial<Record<Locale, string>>;

/**
 * The reader's language if the text has it, else the workshop's default language, else any
 * language it has: a missing translation shows the default, never nothing.
 */
export function pickText(text: LocalizedText, locale: Locale, fallback: Locale = DEFAULT_LOCALE): string {
  if (typeof text === 'string') return text;
  return text[locale] ?? text[fallback] ?? Object.values(text).find((value) => value !== undefined) ?? '';
}
