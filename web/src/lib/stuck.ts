import type { StuckView } from '$server/contract/views';
import { t } from '../i18n/i18n.svelte';

/** Why someone is flagged, in words, counted on this page's clock. */
export function stuckText(stuck: StuckView, now: number): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(stuck.since)) / 60_000));
  switch (stuck.kind) {
    case 'overdue':
      return t('board.stuck.overdue', { minutes, planned: stuck.plannedMinutes });
    case 'room_moved_on':
      return t('board.stuck.roomMovedOn', { share: stuck.share });
    case 'unreachable':
      return t('board.stuck.unreachable', { minutes });
  }
}
