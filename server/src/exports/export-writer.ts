import exportMessages from '../contract/i18n/exports';
import { MessageFormatter, type MessageValues } from '../contract/i18n/catalog';
import { DEFAULT_LOCALE, pickText, type Locale, type LocalizedText } from '../contract/i18n/locales';
import { safeMarkdown } from './export-safety';

export type ExportKey = keyof (typeof exportMessages)['en'];

/**
 * How an export writes in one language: its sentences from the exports catalog, numbers, lists, dates and times
 * with Intl (times in UTC, said so), and the workshop's own texts in that language where the file has them.
 */
export class ExportWriter {
  private readonly messages: MessageFormatter<ExportKey>;
  private readonly numbers: Intl.NumberFormat;
  private readonly lists: Intl.ListFormat;
  private readonly days: Intl.DateTimeFormat;
  private readonly clock: Intl.DateTimeFormat;

  constructor(readonly locale: Locale = DEFAULT_LOCALE) {
    this.messages = new MessageFormatter(exportMessages, locale);
    this.numbers = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
    // "a, b, c" in English, "a、b、c" in Japanese: a list of names or figures, no "and".
    this.lists = new Intl.ListFormat(locale, { type: 'conjunction', style: 'narrow' });
    const utc = { timeZone: 'UTC', timeZoneName: 'short', hourCycle: 'h23', hour: '2-digit', minute: '2-digit' } as const;
    this.days = new Intl.DateTimeFormat(locale, { ...utc, year: 'numeric', month: 'short', day: 'numeric' });
    this.clock = new Intl.DateTimeFormat(locale, utc);
  }

  t(key: ExportKey, values?: MessageValues): string {
    return this.messages.format(key, values);
  }

  number(value: number | null | undefined): string {
    return value === null || value === undefined ? this.t('exports.none') : this.numbers.format(value);
  }

  list(items: readonly string[]): string {
    return this.lists.format(items);
  }

  day(value: string | Date): string {
    return this.days.format(new Date(value));
  }

  time(value: string | Date): string {
    return this.clock.format(new Date(value));
  }

  /** A workshop file's text in this language (or its default), made safe for Markdown. */
  text(value: LocalizedText): string {
    return safeMarkdown(pickText(value, this.locale));
  }
}

/** A group's members on one line. */
export function membersLine(w: ExportWriter, names: readonly string[]): string {
  return names.length ? w.t('exports.members', { members: w.list(names.map((name) => safeMarkdown(name))) }) : w.t('exports.membersNone');
}

/** A note as a list item, its author after it; a note's own lines stay inside the item. */
export function noteLine(w: ExportWriter, text: string, author: string): string {
  return `- ${w.t('exports.note', { text: safeMarkdown(text).replace(/\n/g, '\n  '), author: safeMarkdown(author) })}`;
}
