import type { PublicAttendeeView, WorkshopSummaryView } from '$server/board/board.events';
import { DEFAULT_STUCK_RULES, doneShares, stuckReason, type AttendeeState } from '$server/progress/room';

export function attendeeState(attendee: PublicAttendeeView): AttendeeState {
  return {
    currentStepId: attendee.progress.currentStepId,
    currentStepSince: attendee.progress.currentStepSince,
    doneStepIds: Object.entries(attendee.progress.steps)
      .filter(([, state]) => state === 'done')
      .map(([id]) => id),
    connectionState: attendee.connection.state,
    connectionSince: attendee.connection.since,
  };
}

/** Who is stuck and why, right now: the same rule on the board and the projector. */
export function stuckByAttendee(attendees: PublicAttendeeView[], workshop: WorkshopSummaryView | null, now: number): Record<string, string | null> {
  if (!workshop) return {};
  const states = attendees.map(attendeeState);
  const shares = doneShares(workshop.steps, states);
  const rules = { ...DEFAULT_STUCK_RULES, factor: workshop.stuckFactor };
  return Object.fromEntries(attendees.map((a, i) => [a.id, stuckReason(states[i], workshop.steps, shares, rules, now)]));
}
