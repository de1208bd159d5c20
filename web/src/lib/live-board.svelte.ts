import type { Locale } from '$server/contract/i18n/locales';
import type { RoomOverTimeView } from '$server/contract/retrospective';
import type { SignedOutReason } from '$server/contract/events';
import type { BoardViewerView, HelpQueueView, PaceView, PublicAttendeeView } from '$server/contract/views';
import { WorkshopClock } from './clock.svelte';
import { BroadcastState } from './broadcast.svelte';
import { DiscussionState } from './discussion.svelte';
import { RosterState } from './roster.svelte';
import { LiveConnection } from './socket.svelte';

/** What the board and the projector both follow: the roster, the clock, the pace, the help queue and the discussion. */
export class LiveBoard<A extends PublicAttendeeView> {
  readonly connection: LiveConnection;
  readonly roster: RosterState<A>;
  readonly clock: WorkshopClock;
  readonly discussion: DiscussionState;
  readonly broadcast: BroadcastState;
  pace = $state<PaceView | null>(null);
  help = $state<HelpQueueView | null>(null);
  /** Board only: attendees per step along the clock, against the plan. */
  room = $state<RoomOverTimeView | null>(null);
  /** Board only: signed in as the navigator or as a helper; null until the server says. */
  viewer = $state<BoardViewerView | null>(null);
  /** The room's language as the navigator set it (the projector follows it); null until set. */
  roomLanguage = $state<Locale | null>(null);
  /** The server closed the socket: this browser has no valid link for the page. */
  signedOut = $state(false);
  /** Why, when the server said (a helper's revoked link). */
  signedOutReason = $state<SignedOutReason | null>(null);

  constructor(page: 'board' | 'projector') {
    this.connection = new LiveConnection(page);
    const socket = this.connection.socket;
    this.roster = new RosterState<A>(socket);
    this.clock = new WorkshopClock(socket);
    this.discussion = new DiscussionState(socket);
    this.broadcast = new BroadcastState(socket);
    socket.on('pace:snapshot', (pace) => (this.pace = pace));
    socket.on('help:snapshot', (queue) => (this.help = queue));
    socket.on('room:snapshot', (room) => (this.room = room));
    socket.on('board:viewer', (viewer) => (this.viewer = viewer));
    socket.on('room:language', (language) => (this.roomLanguage = language));
    socket.on('self:signed-out', (reason) => (this.signedOutReason = reason));
    socket.on('disconnect', (reason) => {
      if (reason === 'io server disconnect') this.signedOut = true;
    });
  }

  close(): void {
    this.roster.close();
    this.clock.close();
    this.discussion.close();
    this.connection.close();
  }
}
