import type { StuckView } from '$server/contract/views';

/** Why someone is flagged, in words, counted on this page's clock. */
export function stuckText(stuck: StuckView, now: number): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(stuck.since)) / 60_000));
  switch (stuck.kind) {
    case 'overdue':
      return `${minutes} min on a ${stuck.plannedMinutes} min step`;
    case 'room_moved_on':
      return `${Math.round(stuck.share * 100)}% of the room is past this step`;
    case 'unreachable':
      return `unreachable for ${minutes} min`;
  }
}
