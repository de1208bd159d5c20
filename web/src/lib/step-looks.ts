import type { CellState } from '$server/contract/checks';

/** Each step state has its own shape as well as colour: readable without colour vision. */
export const STEP_LOOKS: Record<CellState, { icon: string; text: string; tone: 'ok' | 'accent' | 'bad' | 'idle' }> = {
  done: { icon: '✓', text: 'done', tone: 'ok' },
  current: { icon: '▶', text: 'current', tone: 'accent' },
  failing: { icon: '!', text: 'failing', tone: 'bad' },
  not_yet: { icon: '·', text: 'not yet', tone: 'idle' },
  unreachable: { icon: '✕', text: 'unreachable', tone: 'bad' },
};
