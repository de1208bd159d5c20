import { IntlMessageFormat } from 'intl-messageformat';
import { type Locale } from './locales';

/**
 * Messages in ICU MessageFormat (plurals, numbers, dates, select), English and Japanese side by
 * side: a key missing in Japanese is a compile error, a differing argument a unit-test failure.
 */
export interface Catalog<K extends string = string> {
  en: Record<K, string>;
  ja: Record<K, string>;
}

export function defineMessages<const K extends string>(en: Record<K, string>, ja: Record<NoInfer<K>, string>): Catalog<K> {
  return { en, ja };
}

export type MessageValues = Record<string, string | number | Date | null | undefined>;

/** Formats one catalog's messages in one language; compiled messages are kept. */
export class MessageFormatter<K extends string> {
  private readonly compiled = new Map<K, IntlMessageFormat>();

  constructor(
    private readonly catalog: Catalog<K>,
    readonly locale: Locale,
  ) {}

  format(key: K, values?: MessageValues): string {
    let message = this.compiled.get(key);
    if (!message) {
      message = new IntlMessageFormat(this.catalog[this.locale][key], this.locale, undefined, { ignoreTag: true });
      this.compiled.set(key, message);
    }
    return String(message.format(values as Record<string, string | number | Date>));
  }
}
