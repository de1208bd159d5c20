import type { NavigatorAttendeeView, PublicAttendeeView, RosterSnapshot, WorkshopSummaryView } from '$server/contract/views';
import type { BoardSocket } from './socket.svelte';

/**
 * The roster as the server last described it: a snapshot on (re)connect, then one attendee at a time.
 * Attendees are plain objects (`$state.raw`, no deep proxies over 300 of them): a push replaces one entry, and
 * pushes are applied together once per animation frame, so 50 updates a second cost a few renders, not 50.
 */
export class RosterState<A extends PublicAttendeeView> {
  workshop = $state.raw<WorkshopSummaryView | null>(null);
  /** In registration order (the snapshot's order; a newcomer registered last). */
  byId = $state.raw<Readonly<Record<string, A>>>({});
  attendees = $derived(Object.values(this.byId));
  private pending: Record<string, A> = {};
  private frame: number | null = null;

  constructor(socket: BoardSocket) {
    socket.on('roster:snapshot', (snapshot) => {
      const typed = snapshot as RosterSnapshot<A>;
      performance.mark('roster:snapshot');
      this.pending = {};
      this.workshop = typed.workshop;
      this.byId = Object.fromEntries([...typed.attendees].sort((a, b) => a.registeredAt.localeCompare(b.registeredAt)).map((a) => [a.id, a]));
    });
    socket.on('roster:attendee', (attendee) => {
      this.pending[attendee.id] = attendee as A;
      this.frame ??= requestAnimationFrame(() => this.flush());
    });
    socket.on('roster:removed', (attendeeId) => {
      delete this.pending[attendeeId];
      const { [attendeeId]: _removed, ...rest } = this.byId;
      this.byId = rest;
    });
  }

  private flush(): void {
    this.frame = null;
    this.byId = { ...this.byId, ...this.pending };
    this.pending = {};
  }

  close(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
  }
}

export type NavigatorRoster = RosterState<NavigatorAttendeeView>;
