import { Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { AttendeesService } from '../attendees/attendees.service';
import cookieParser from 'cookie-parser';
import type { Request } from 'express';
import { AuthService } from '../auth/auth.service';
import type { Principal, Role } from '../auth/principal';
import { socketBaseUrlOf } from '../common/base-url';
import { DomainEventBus } from '../common/domain-events';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import type { ClientToServerEvents, PageKind, ServerToClientEvents, SignedOutReason } from '../contract/events';
import type { PaceView } from '../contract/views';
import { DiscussionService } from '../discussion/discussion.service';
import { BroadcastService } from '../help/broadcast.service';
import { HelpService } from '../help/help.service';
import { MetricsService } from '../metrics/metrics.service';
import { ProgressService } from '../progress/progress.service';
import { LiveRoomService } from '../retrospective/live-room.service';
import { RoomLanguageService } from '../workshops/room-language.service';
import { WorkshopsService } from '../workshops/workshops.service';

type BoardSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { principal?: Principal }>;

/** The roles that may open each page, tried in this order: a browser with both cookies opens the board as the navigator. */
const PAGE_ROLES: Record<PageKind, readonly Role[]> = {
  board: ['navigator', 'helper'],
  discussion: ['navigator'],
  projector: ['projector'],
  attendee: ['attendee'],
};

/**
 * Who gets what: a socket.io room per audience. The discussion page needs no roster. Helpers' boards get
 * the navigator's roster, but neither host-key requests nor discussion notes.
 */
const AUDIENCES = {
  boards: 'boards',
  helperBoards: 'helper-boards',
  discussionPages: 'discussion-pages',
  projectors: 'projectors',
  attendees: 'attendees',
  attendee: (id: string) => `attendee:${id}`,
  helper: (id: string) => `helper:${id}`,
};
const EVERY_BOARD = [AUDIENCES.boards, AUDIENCES.helperBoards];

/**
 * Fan-out only: authenticates each socket for its page, sends that page's snapshot on connect, then
 * turns domain events into pushes shaped for each audience. Commands live in their own gateways.
 */
@WebSocketGateway({ path: '/socket.io', serveClient: false })
export class BoardGateway implements OnGatewayInit, OnGatewayConnection, OnModuleDestroy {
  private readonly logger = new Logger(BoardGateway.name);
  private readonly unsubscribe: (() => void)[] = [];

  @WebSocketServer() private server!: Server<ClientToServerEvents, ServerToClientEvents>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly auth: AuthService,
    private readonly attendees: AttendeesService,
    private readonly progress: ProgressService,
    private readonly discussion: DiscussionService,
    private readonly help: HelpService,
    private readonly broadcast: BroadcastService,
    private readonly workshops: WorkshopsService,
    private readonly room: LiveRoomService,
    private readonly roomLanguage: RoomLanguageService,
    private readonly events: DomainEventBus,
    private readonly metrics: MetricsService,
  ) {}

  afterInit(): void {
    // The same cookie parsing as HTTP routes, for the socket's handshake request.
    this.server.engine.use(cookieParser());
    const pageAudiences: Record<PageKind, string> = {
      board: AUDIENCES.boards,
      discussion: AUDIENCES.discussionPages,
      projector: AUDIENCES.projectors,
      attendee: AUDIENCES.attendees,
    };
    this.metrics.gauge('navigator_socket_clients', 'Signed-in socket.io clients, by page', ['view'], (set) => {
      const clients = (room: string) => this.server.sockets.adapter.rooms.get(room)?.size ?? 0;
      for (const [page, room] of Object.entries(pageAudiences)) set({ view: page }, clients(room) + (page === 'board' ? clients(AUDIENCES.helperBoards) : 0));
    });
    const pushAttendee = ({ attendeeId }: { attendeeId: string }) => void this.pushAttendee(attendeeId);
    this.unsubscribe.push(
      this.events.on('attendee.registered', pushAttendee),
      this.events.on('attendee.changed', pushAttendee),
      this.events.on('attendee.host-key-changed', pushAttendee),
      this.events.on('progress.changed', pushAttendee),
      this.events.on('pace.changed', ({ pace }) => this.pushPace(pace)),
      this.events.on('clock.changed', () => void this.pushClock()),
      this.events.on('discussion.changed', () => void this.pushDiscussion()),
      this.events.on('help.changed', ({ attendeeId }) => void this.pushHelp(attendeeId)),
      this.events.on('room.changed', () => void this.pushRoom()),
      // Every signed-in page hears the banner (a socket that failed to sign in was disconnected).
      this.events.on('broadcast.changed', () => this.server.emit('broadcast:snapshot', this.broadcast.view())),
      this.events.on('run.started', () => void this.startAfresh()),
      this.events.on('room-language.changed', ({ language }) => this.server.to([...EVERY_BOARD, AUDIENCES.projectors]).emit('room:language', language)),
      this.events.on('attendee.removed', ({ attendeeId }) => {
        this.server.to([...EVERY_BOARD, AUDIENCES.projectors]).emit('roster:removed', attendeeId);
        this.signOut(AUDIENCES.attendee(attendeeId), 'removed');
        void this.pushHelp(attendeeId);
        void this.pushDiscussion();
      }),
      this.events.on('attendee.link-reissued', ({ attendeeId }) => this.signOut(AUDIENCES.attendee(attendeeId), 'link-reissued')),
      this.events.on('helper.revoked', ({ helperId }) => this.signOut(AUDIENCES.helper(helperId), 'helper-revoked')),
      this.events.on('join-code.changed', () => void this.resendSnapshots()),
    );
  }

  onModuleDestroy(): void {
    this.unsubscribe.forEach((off) => off());
  }

  async handleConnection(socket: BoardSocket): Promise<void> {
    const page = (socket.handshake.auth as { view?: unknown }).view;
    const roles = typeof page === 'string' && Object.hasOwn(PAGE_ROLES, page) ? PAGE_ROLES[page as PageKind] : null;
    const principal = roles
      ? await this.auth.resolve({ cookies: (socket.request as Request).cookies as Record<string, string | undefined>, bearer: bearerFromAuth(socket) }, roles)
      : null;
    if (!principal) {
      socket.disconnect(true);
      return;
    }
    socket.data.principal = principal;
    try {
      await this.sendSnapshot(socket, page as PageKind, principal);
      socket.emit('broadcast:snapshot', this.broadcast.view());
    } catch (error) {
      this.logger.warn(`snapshot for a ${principal.role} failed: ${(error as Error).message}`);
      socket.disconnect(true);
    }
  }

  private async sendSnapshot(socket: BoardSocket, page: PageKind, principal: Principal): Promise<void> {
    switch (page) {
      case 'board':
        if (principal.role === 'helper') await socket.join([AUDIENCES.helperBoards, AUDIENCES.helper(principal.helperId)]);
        else await socket.join(AUDIENCES.boards);
        socket.emit('roster:snapshot', await this.attendees.navigatorRoster(socketBaseUrlOf(this.config.publicUrl, socket.handshake)));
        socket.emit('board:viewer', principal.role === 'helper' ? { role: 'helper', name: principal.name } : { role: 'navigator' });
        socket.emit('discussion:snapshot', await this.discussion.view(principal));
        socket.emit('help:snapshot', principal.role === 'helper' ? await this.help.helperQueue() : await this.help.queue());
        socket.emit('clock:snapshot', await this.workshops.clockView());
        socket.emit('pace:snapshot', this.progress.currentPace());
        socket.emit('room:snapshot', await this.room.current());
        socket.emit('room:language', await this.roomLanguage.language());
        break;
      case 'discussion':
        await socket.join(AUDIENCES.discussionPages);
        socket.emit('discussion:snapshot', await this.discussion.view(principal));
        break;
      case 'projector':
        await socket.join(AUDIENCES.projectors);
        socket.emit('roster:snapshot', await this.attendees.projectorRoster(socketBaseUrlOf(this.config.publicUrl, socket.handshake)));
        socket.emit('discussion:snapshot', await this.discussion.view(principal));
        socket.emit('help:snapshot', await this.help.publicQueue());
        socket.emit('clock:snapshot', await this.workshops.clockView());
        socket.emit('pace:snapshot', this.progress.currentPace());
        socket.emit('room:language', await this.roomLanguage.language());
        break;
      case 'attendee':
        if (principal.role !== 'attendee') return;
        await socket.join([AUDIENCES.attendee(principal.attendeeId), AUDIENCES.attendees]);
        socket.emit('self:snapshot', await this.attendees.self(principal.attendeeId));
        socket.emit('hand:snapshot', await this.help.handOf(principal.attendeeId));
        socket.emit('discussion:snapshot', await this.discussion.view(principal));
        break;
    }
  }

  private async pushAttendee(attendeeId: string): Promise<void> {
    const attendee = await this.attendees.find(attendeeId).catch(() => null);
    if (!attendee) return;
    this.server.to(EVERY_BOARD).emit('roster:attendee', this.attendees.navigatorView(attendee));
    this.server.to(AUDIENCES.projectors).emit('roster:attendee', this.attendees.publicView(attendee));
    this.server.to(AUDIENCES.attendee(attendeeId)).emit('self:snapshot', this.attendees.selfView(attendee));
  }

  private async pushRoom(): Promise<void> {
    this.server.to(EVERY_BOARD).emit('room:snapshot', await this.room.current());
  }

  /**
   * A new run: every page gets the new run's snapshot; attendees of the archived run are signed out (their
   * links ended with it) and their pages say so.
   */
  private async startAfresh(): Promise<void> {
    this.server.to(AUDIENCES.attendees).emit('run:ended');
    this.server.in(AUDIENCES.attendees).disconnectSockets(true);
    await this.resendSnapshots();
  }

  /** Pages signed in with a link that no longer works (an attendee's or a helper's room) are told why, then closed. */
  private signOut(room: string, reason: SignedOutReason): void {
    this.server.to(room).emit('self:signed-out', reason);
    this.server.in(room).disconnectSockets(true);
  }

  /** Every signed-in board, projector and discussion page gets its snapshot again (the workshop summary changed). */
  private async resendSnapshots(): Promise<void> {
    for (const socket of await this.server.fetchSockets()) {
      const principal = (socket.data as { principal?: Principal }).principal;
      const page = (socket.handshake.auth as { view?: PageKind }).view;
      if (!principal || !page || page === 'attendee') continue;
      const live = this.server.sockets.sockets.get(socket.id);
      if (live) await this.sendSnapshot(live, page, principal).catch((error: Error) => this.logger.warn(`snapshot failed: ${error.message}`));
    }
  }

  private pushPace(pace: PaceView | null): void {
    this.server.to([...EVERY_BOARD, AUDIENCES.projectors]).emit('pace:snapshot', pace);
  }

  private async pushClock(): Promise<void> {
    this.server.to([...EVERY_BOARD, AUDIENCES.projectors]).emit('clock:snapshot', await this.workshops.clockView());
  }

  private async pushHelp(attendeeId: string): Promise<void> {
    this.server.to(AUDIENCES.boards).emit('help:snapshot', await this.help.queue());
    this.server.to(AUDIENCES.helperBoards).emit('help:snapshot', await this.help.helperQueue());
    this.server.to(AUDIENCES.projectors).emit('help:snapshot', await this.help.publicQueue());
    this.server.to(AUDIENCES.attendee(attendeeId)).emit('hand:snapshot', await this.help.handOf(attendeeId));
  }

  /** Each viewer gets the view their role allows: attendees only their own group's notes, helpers and the projector none. */
  private async pushDiscussion(): Promise<void> {
    this.server.to([AUDIENCES.boards, AUDIENCES.discussionPages]).emit('discussion:snapshot', await this.discussion.view({ role: 'navigator' }));
    this.server.to([AUDIENCES.helperBoards, AUDIENCES.projectors]).emit('discussion:snapshot', await this.discussion.view({ role: 'projector' }));
    const attendeeIds = new Set<string>();
    for (const socket of await this.server.in(AUDIENCES.attendees).fetchSockets()) {
      const principal = (socket.data as { principal?: Principal }).principal;
      if (principal?.role === 'attendee') attendeeIds.add(principal.attendeeId);
    }
    for (const { attendeeIds: members, view } of await this.discussion.viewsForAttendees([...attendeeIds])) {
      this.server.to(members.map(AUDIENCES.attendee)).emit('discussion:snapshot', view);
    }
  }
}

function bearerFromAuth(socket: BoardSocket): string | null {
  const token = (socket.handshake.auth as { token?: unknown }).token;
  return typeof token === 'string' && token.length > 0 ? token : null;
}
