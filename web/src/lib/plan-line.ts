import type { LocalizedText } from '$server/contract/i18n/locales';
import type { PaceView } from '$server/contract/views';
import { localized, t } from '../i18n/i18n.svelte';

/** What the board's and the projector's "Plan:" line names: the talk the agenda is in, else the planned step. */
export function planLine(pace: PaceView, steps: readonly { title: LocalizedText }[]): string {
  if (pace.plannedTalk !== null) return t('board.plan.talk', { title: localized(pace.plannedTalk) });
  return pace.plannedStepIndex < steps.length ? localized(steps[pace.plannedStepIndex].title) : t('board.plan.finished');
}
