import { DEFAULT_LOCALE, pickText, type LocalizedText } from '$server/contract/i18n/locales';
import type { PaceView } from '$server/contract/views';

/**
 * What the board's and the projector's "Plan:" line names: the talk the agenda is in, else the planned step.
 * `text` picks a workshop text's language (pages pass `localized`).
 */
export function planLine(
  pace: PaceView,
  steps: readonly { title: LocalizedText }[],
  text: (title: LocalizedText) => string = (title) => pickText(title, DEFAULT_LOCALE),
): string {
  if (pace.plannedTalk !== null) return `Talk — ${text(pace.plannedTalk)}`;
  return pace.plannedStepIndex < steps.length ? text(steps[pace.plannedStepIndex].title) : 'finished';
}
