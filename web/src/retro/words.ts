import type { HelpStepView } from '$server/contract/retrospective';
import { i18n, localized, t } from '../i18n/i18n.svelte';

/** A help row's step: its title, or the rows before the first step and after the last, in the reader's language. */
export function helpStepTitle(row: Pick<HelpStepView, 'stepId' | 'title'>): string {
  if (row.stepId === 'before') return t('retro.beforeConnecting');
  if (row.stepId === 'finished') return t('retro.afterFinishing');
  return localized(row.title);
}

/**
 * What goes before each item of a list the reader's way ("", ", ", ", " / "", "、", "、"), for lists whose items
 * are elements (a reason in <code> and its minutes) rather than plain text.
 */
export function listSeparators(count: number): string[] {
  const parts = new Intl.ListFormat(i18n.language, { type: 'conjunction', style: 'narrow' }).formatToParts(Array.from({ length: count }, (_, i) => String(i)));
  const before: string[] = [];
  let pending = '';
  for (const part of parts) {
    if (part.type === 'element') {
      before.push(pending);
      pending = '';
    } else pending += part.value;
  }
  return before;
}
