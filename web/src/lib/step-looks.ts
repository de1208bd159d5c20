import type { CellState } from '$server/contract/checks';
import { t } from '../i18n/i18n.svelte';
import type { MessageKey } from '../i18n/messages';

type StepLook = { icon: string; readonly text: string; tone: 'ok' | 'accent' | 'bad' | 'idle' };

/** A look whose word is read in the reader's language each time it is shown. */
function look(icon: string, key: MessageKey, tone: StepLook['tone']): StepLook {
  return {
    icon,
    tone,
    get text() {
      return t(key);
    },
  };
}

/** Each step state has its own shape as well as colour: readable without colour vision. */
export const STEP_LOOKS: Record<CellState, StepLook> = {
  done: look('✓', 'common.step.done', 'ok'),
  current: look('▶', 'common.step.current', 'accent'),
  failing: look('!', 'common.step.failing', 'bad'),
  not_yet: look('·', 'common.step.notYet', 'idle'),
  unreachable: look('✕', 'common.step.unreachable', 'bad'),
};
