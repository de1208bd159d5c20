import type { CellState } from '$server/contract/checks';
import { t } from '../i18n/i18n.svelte';
import type { MessageKey } from '../i18n/messages';

export interface StepLook {
  icon: string;
  /** The state in words, in the reader's language (read when shown, so it follows a language switch). */
  readonly text: string;
  tone: 'ok' | 'accent' | 'bad' | 'idle';
}

function look(icon: string, key: MessageKey, tone: StepLook['tone']): StepLook {
  return {
    icon,
    get text() {
      return t(key);
    },
    tone,
  };
}

/** Each step state has its own shape as well as colour: readable without colour vision. */
export const STEP_LOOKS: Record<CellState, StepLook> = {
  done: look('✓', 'board.step.done', 'ok'),
  current: look('▶', 'board.step.current', 'accent'),
  failing: look('!', 'board.step.failing', 'bad'),
  not_yet: look('·', 'board.step.notYet', 'idle'),
  unreachable: look('✕', 'board.step.unreachable', 'bad'),
};
