import { IntlMessageFormat } from 'intl-messageformat';
import { DEFAULT_LOCALE, isLocale, LOCALES, matchLocale, pickText, type Locale, type LocalizedText } from '$server/contract/i18n/locales';
import type { MessageValues } from '$server/contract/i18n/catalog';
import { messages, type MessageKey } from './messages';

/**
 * The reader's language, and every text a page shows in it. `t()` reads the current language,
 * so a component re-renders when the reader switches.
 *
 * `qps` is a pseudo-language for tests: every message shows as ⟦…⟧, so a visible text without the
 * brackets did not come from the message files. It is never offered in the picker.
 */
export type UiLocale = Locale | 'qps';

const STORAGE_KEY = 'navigator.lang';

function storedLocale(key = STORAGE_KEY): UiLocale | null {
  try {
    const stored = localStorage.getItem(key);
    return isLocale(stored) || stored === 'qps' ? stored : null;
  } catch {
    return null;
  }
}

function browserLocale(): Locale {
  return matchLocale(typeof navigator === 'undefined' ? [] : navigator.languages) ?? DEFAULT_LOCALE;
}

class I18n {
  /** Where this page remembers a choice: one key for the pages people read, another for a room's screen. */
  private storageKey = STORAGE_KEY;
  /** What the reader picked (remembered in this browser), else what the browser asks for. */
  locale = $state<UiLocale>(storedLocale() ?? browserLocale());
  /** Whether the reader picked a language themselves: a room's language (the projector's) yields to it. */
  chosen = $state(storedLocale() !== null);

  /** The language for Intl and catalogs: the pseudo-language formats like English. */
  get language(): Locale {
    return this.locale === 'qps' ? 'en' : this.locale;
  }

  /** The reader's choice, remembered in this browser. */
  choose(locale: Locale): void {
    this.locale = locale;
    this.chosen = true;
    try {
      localStorage.setItem(this.storageKey, locale);
    } catch {
      // Private mode without storage: the choice holds for this page.
    }
    applyDocumentLanguage();
  }

  /**
   * A room's screen (the projector) keeps its own choice: the navigator's board in the same browser has one
   * (it is usually the same laptop), and that must not stop the screen from following the room's language.
   */
  roomScreen(name: string): void {
    if (this.locale === 'qps') return;
    this.storageKey = `${STORAGE_KEY}.${name}`;
    const stored = storedLocale(this.storageKey);
    this.chosen = stored !== null;
    this.locale = stored ?? browserLocale();
    applyDocumentLanguage();
  }

  /** A language the page is told to use (the projector follows the navigator's choice), unless the reader chose one. */
  follow(locale: Locale): void {
    if (this.chosen || this.locale === 'qps') return;
    this.locale = locale;
    applyDocumentLanguage();
  }
}

export const i18n = new I18n();

export function applyDocumentLanguage(): void {
  if (typeof document !== 'undefined') document.documentElement.lang = i18n.language;
}

// A cache of compiled messages, not state: nothing renders from it.
// eslint-disable-next-line svelte/prefer-svelte-reactivity
const compiled = new Map<string, IntlMessageFormat>();

function compiledMessage(key: MessageKey, locale: Locale, rich: boolean): IntlMessageFormat {
  const cacheKey = `${locale}\u0000${rich ? 'r' : 't'}\u0000${key}`;
  let message = compiled.get(cacheKey);
  if (!message) {
    message = new IntlMessageFormat(messages[locale][key], locale, undefined, { ignoreTag: !rich });
    compiled.set(cacheKey, message);
  }
  return message;
}

/** One message in the reader's language. */
export function t(key: MessageKey, values?: MessageValues): string {
  const text = String(compiledMessage(key, i18n.language, false).format(values as Record<string, string | number | Date>));
  return i18n.locale === 'qps' ? `⟦${text}⟧` : text;
}

/** A part of a message with markup: plain text, or text inside one of the allowed tags. */
export type RichPart = { text: string; tag: null } | { text: string; tag: RichTag };
export const RICH_TAGS = ['b', 'code', 'em', 'kbd'] as const;
export type RichTag = (typeof RICH_TAGS)[number];

/** A message whose text marks words with <b>, <code>, <em> or <kbd>; rendered by `Rich.svelte`, never as HTML. */
export function tRich(key: MessageKey, values?: MessageValues): RichPart[] {
  const tags = Object.fromEntries(RICH_TAGS.map((tag) => [tag, (chunks: unknown[]) => ({ text: chunks.join(''), tag })]));
  const formatted = compiledMessage(key, i18n.language, true).format({ ...(values as Record<string, string | number | Date>), ...tags });
  const parts = (Array.isArray(formatted) ? formatted : [formatted]).map((part): RichPart =>
    typeof part === 'object' && part !== null && 'tag' in part ? (part as RichPart) : { text: String(part), tag: null },
  );
  if (i18n.locale !== 'qps') return parts;
  return [{ text: '⟦', tag: null }, ...parts, { text: '⟧', tag: null }];
}

/** A workshop file's text in the reader's language, falling back to the workshop's default. */
export function localized(text: LocalizedText | null | undefined, fallback?: Locale): string {
  if (text === null || text === undefined) return '';
  return pickText(text, i18n.language, fallback);
}

export { LOCALES, type Locale };
