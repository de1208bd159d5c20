import { i18n, t } from './i18n.svelte';

/** Numbers, times, lists and durations the reader's way (Intl, in the page's language). */
export function formatNumber(value: number, options?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(i18n.language, options).format(value);
}

/** A clock time (14:05 in Japanese, 2:05 PM in English). */
export function formatTime(value: Date | string | number): string {
  return new Intl.DateTimeFormat(i18n.language, { hour: 'numeric', minute: '2-digit' }).format(new Date(value));
}

export function formatDateTime(value: Date | string | number): string {
  return new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value));
}

export function formatDate(value: Date | string | number): string {
  return new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium' }).format(new Date(value));
}

/** A list joined the reader's way ("a, b and c", "a、b、c"); style `narrow` leaves out the "and" ("a, b, c"). */
export function formatList(items: readonly string[], type: Intl.ListFormatType = 'conjunction', style: Intl.ListFormatStyle = 'long'): string {
  return new Intl.ListFormat(i18n.language, { style, type }).format(items);
}

/** A duration in words: "45 s", "12 min", "1 h 5 min" / "45秒", "12分", "1時間5分". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return t('common.duration.seconds', { seconds });
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return t('common.duration.minutes', { minutes });
  return t('common.duration.hoursMinutes', { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
}
