import type { NavigatorAttendeeView, PublicAttendeeView, RosterSnapshot, WorkshopSummaryView } from '$server/board/board.events';
import type { BoardSocket } from '$lib/socket.svelte';

/** The roster as the server last described it: a snapshot on (re)connect, then one attendee at a time. */
export class RosterState<A extends PublicAttendeeView> {
  workshop = $state<WorkshopSummaryView | null>(null);
  byId = $state<Record<string, A>>({});
  attendees = $derived(Object.values(this.byId).sort((a, b) => a.registeredAt.localeCompare(b.registeredAt)));

  constructor(socket: BoardSocket) {
    socket.on('roster:snapshot', (snapshot) => {
      const typed = snapshot as RosterSnapshot<A>;
      this.workshop = typed.workshop;
      this.byId = Object.fromEntries(typed.attendees.map((a) => [a.id, a]));
    });
    socket.on('roster:attendee', (attendee) => {
      this.byId[attendee.id] = attendee as A;
    });
  }
}

export type NavigatorRoster = RosterState<NavigatorAttendeeView>;
