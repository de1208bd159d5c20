import { Logger, OnModuleDestroy, UseGuards } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayInit, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { AttendeesService } from '../attendees/attendees.service';
import { AuthService, parseCookieHeader } from '../auth/auth.service';
import type { Principal, Role } from '../auth/principal';
import { Roles } from '../auth/roles.decorator';
import { RolesGuard } from '../auth/roles.guard';
import { DomainEventBus } from '../common/domain-events';
import { RateLimiter } from '../common/rate-limiter';
import { DiscussionService } from '../discussion/discussion.service';
import { HelpService } from '../help/help.service';
import { WorkshopsService } from '../workshops/workshops.service';
import { ProbeService } from '../probes/probe.service';
import { VmConnectionsService } from '../probes/vm-connections.service';
import type { Ack, BoardView, ClientToServerEvents, HelpQueueView, ServerToClientEvents } from './board.events';

type BoardSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { principal?: Principal }>;

const VIEW_ROLES: Record<BoardView, Role> = { board: 'navigator', projector: 'projector', attendee: 'attendee' };
const ROOMS = { navigators: 'navigators', projectors: 'projectors', attendees: 'attendees', attendee: (id: string) => `attendee:${id}` };

/** Fan-out only: authenticates sockets, sends a snapshot on connect, then pushes deltas from domain events. */
@WebSocketGateway({ path: '/socket.io', serveClient: false })
@UseGuards(RolesGuard)
export class BoardGateway implements OnGatewayInit, OnGatewayConnection, OnModuleDestroy {
  private readonly logger = new Logger(BoardGateway.name);
  private readonly unsubscribe: (() => void)[] = [];
  private readonly selfReconnects = new RateLimiter(3, 0.2);
  private readonly selfProbes = new RateLimiter(2, 0.2);

  @WebSocketServer() private server!: Server<ClientToServerEvents, ServerToClientEvents>;

  constructor(
    private readonly auth: AuthService,
    private readonly attendees: AttendeesService,
    private readonly connections: VmConnectionsService,
    private readonly probes: ProbeService,
    private readonly discussion: DiscussionService,
    private readonly help: HelpService,
    private readonly workshops: WorkshopsService,
    private readonly events: DomainEventBus,
  ) {}

  afterInit(): void {
    const pushAttendee = ({ attendeeId }: { attendeeId: string }) => void this.pushAttendee(attendeeId);
    this.unsubscribe.push(
      this.events.on('attendee.registered', pushAttendee),
      this.events.on('attendee.changed', pushAttendee),
      this.events.on('vm.connection', pushAttendee),
      this.events.on('progress.changed', pushAttendee),
      this.events.on('discussion.changed', () => void this.pushDiscussion()),
      this.events.on('help.changed', ({ attendeeId }) => void this.pushHelp(attendeeId)),
    );
  }

  onModuleDestroy(): void {
    this.unsubscribe.forEach((off) => off());
  }

  async handleConnection(socket: BoardSocket): Promise<void> {
    const view = (socket.handshake.auth as { view?: unknown }).view;
    const role = typeof view === 'string' && view in VIEW_ROLES ? VIEW_ROLES[view as BoardView] : null;
    const principal = role
      ? await this.auth.resolve({ cookies: parseCookieHeader(socket.handshake.headers.cookie), bearer: bearerFromAuth(socket) }, [role])
      : null;
    if (!principal) {
      socket.disconnect(true);
      return;
    }
    socket.data.principal = principal;
    try {
      switch (principal.role) {
        case 'navigator':
          await socket.join(ROOMS.navigators);
          socket.emit('roster:snapshot', await this.attendees.navigatorRoster());
          socket.emit('discussion:snapshot', await this.discussion.view(principal));
          socket.emit('help:snapshot', await this.help.queue());
          socket.emit('clock:snapshot', await this.workshops.clockView());
          break;
        case 'projector':
          await socket.join(ROOMS.projectors);
          socket.emit('roster:snapshot', await this.attendees.projectorRoster());
          socket.emit('discussion:snapshot', await this.discussion.view(principal));
          socket.emit('help:snapshot', withoutMessages(await this.help.queue()));
          socket.emit('clock:snapshot', await this.workshops.clockView());
          break;
        case 'attendee':
          await socket.join([ROOMS.attendee(principal.attendeeId), ROOMS.attendees]);
          socket.emit('self:snapshot', await this.attendees.self(principal.attendeeId));
          socket.emit('hand:snapshot', await this.help.handOf(principal.attendeeId));
          socket.emit('discussion:snapshot', await this.discussion.view(principal));
          break;
      }
    } catch (error) {
      this.logger.warn(`snapshot for a ${principal.role} failed: ${(error as Error).message}`);
      socket.disconnect(true);
    }
  }

  @Roles('navigator')
  @SubscribeMessage('vm:reconnect')
  reconnect(@MessageBody() payload: unknown): Ack {
    const attendeeId = (payload as { attendeeId?: unknown } | null)?.attendeeId;
    if (typeof attendeeId !== 'string' || !this.connections.reconnectNow(attendeeId)) return { ok: false, error: 'unknown attendee' };
    return { ok: true };
  }

  @Roles('navigator')
  @SubscribeMessage('vm:probe')
  async probe(@MessageBody() payload: unknown): Promise<Ack> {
    const attendeeId = (payload as { attendeeId?: unknown } | null)?.attendeeId;
    if (typeof attendeeId !== 'string') return { ok: false, error: 'unknown attendee' };
    return (await this.probes.probeNow(attendeeId)) ? { ok: true } : { ok: false, error: 'the VM is not connected' };
  }

  @Roles('attendee')
  @SubscribeMessage('self:probe')
  async selfProbe(@ConnectedSocket() socket: BoardSocket): Promise<Ack> {
    const principal = socket.data.principal;
    if (principal?.role !== 'attendee') return { ok: false, error: 'attendees only' };
    const wait = this.selfProbes.take(principal.attendeeId);
    if (wait > 0) return { ok: false, error: `Checked a moment ago; ask again in ${wait} s.` };
    return (await this.probes.probeNow(principal.attendeeId)) ? { ok: true } : { ok: false, error: 'Navigator is not connected to your VM yet.' };
  }

  @Roles('attendee')
  @SubscribeMessage('self:reconnect')
  selfReconnect(@ConnectedSocket() socket: BoardSocket): Ack {
    const principal = socket.data.principal;
    if (principal?.role !== 'attendee') return { ok: false, error: 'attendees only' };
    const wait = this.selfReconnects.take(principal.attendeeId);
    if (wait > 0) return { ok: false, error: `Navigator is already trying; ask again in ${wait} s.` };
    this.connections.reconnectNow(principal.attendeeId);
    return { ok: true };
  }

  @Roles('navigator')
  @SubscribeMessage('clock:control')
  async clock(@MessageBody() payload: { action?: unknown } | null): Promise<Ack> {
    switch (payload?.action) {
      case 'start':
        await this.workshops.startClock();
        break;
      case 'pause':
        await this.workshops.pauseClock();
        break;
      case 'reset':
        await this.workshops.resetClock();
        break;
      default:
        return { ok: false, error: 'unknown clock action' };
    }
    const clock = await this.workshops.clockView();
    this.server.to([ROOMS.navigators, ROOMS.projectors]).emit('clock:snapshot', clock);
    return { ok: true };
  }

  @Roles('attendee')
  @SubscribeMessage('help:raise')
  raise(@ConnectedSocket() socket: BoardSocket, @MessageBody() payload: { message?: unknown } | null): Promise<Ack> {
    return this.help.raise(attendeeIdOf(socket), payload?.message);
  }

  @Roles('attendee')
  @SubscribeMessage('help:lower')
  lower(@ConnectedSocket() socket: BoardSocket): Promise<Ack> {
    return this.help.lower(attendeeIdOf(socket));
  }

  @Roles('navigator')
  @SubscribeMessage('help:acknowledge')
  acknowledge(@MessageBody() payload: { id?: unknown } | null): Promise<Ack> {
    return this.help.acknowledge(payload?.id);
  }

  @Roles('navigator')
  @SubscribeMessage('help:resolve')
  resolve(@MessageBody() payload: { id?: unknown } | null): Promise<Ack> {
    return this.help.resolve(payload?.id);
  }

  private async pushHelp(attendeeId: string): Promise<void> {
    const queue = await this.help.queue();
    this.server.to(ROOMS.navigators).emit('help:snapshot', queue);
    this.server.to(ROOMS.projectors).emit('help:snapshot', withoutMessages(queue));
    this.server.to(ROOMS.attendee(attendeeId)).emit('hand:snapshot', await this.help.handOf(attendeeId));
  }

  /** Each viewer gets the view their role allows: attendees only their own group's notes. */
  private async pushDiscussion(): Promise<void> {
    this.server.to(ROOMS.navigators).emit('discussion:snapshot', await this.discussion.view({ role: 'navigator' }));
    this.server.to(ROOMS.projectors).emit('discussion:snapshot', await this.discussion.view({ role: 'projector' }));
    const attendeeIds = new Set<string>();
    for (const socket of await this.server.in(ROOMS.attendees).fetchSockets()) {
      const principal = (socket.data as { principal?: Principal }).principal;
      if (principal?.role === 'attendee') attendeeIds.add(principal.attendeeId);
    }
    // Members of one group see the same thing: build one view per group, not one per person.
    const groupOf = await this.discussion.groupIdsOf([...attendeeIds]);
    const byGroup = new Map<string | null, string[]>();
    for (const id of attendeeIds) byGroup.set(groupOf.get(id) ?? null, [...(byGroup.get(groupOf.get(id) ?? null) ?? []), id]);
    for (const members of byGroup.values()) {
      const view = await this.discussion.view({ role: 'attendee', attendeeId: members[0] });
      this.server.to(members.map(ROOMS.attendee)).emit('discussion:snapshot', view);
    }
  }

  private async pushAttendee(attendeeId: string): Promise<void> {
    const attendee = await this.attendees.find(attendeeId).catch(() => null);
    if (!attendee) return;
    this.server.to(ROOMS.navigators).emit('roster:attendee', this.attendees.navigatorView(attendee));
    this.server.to(ROOMS.projectors).emit('roster:attendee', this.attendees.publicView(attendee));
    this.server.to(ROOMS.attendee(attendeeId)).emit('self:snapshot', this.attendees.selfView(attendee));
  }
}

function attendeeIdOf(socket: BoardSocket): string {
  const principal = socket.data.principal;
  if (principal?.role !== 'attendee') throw new Error('guarded for attendees only');
  return principal.attendeeId;
}

/** The projector shows who is waiting, never what they wrote. */
function withoutMessages(queue: HelpQueueView): HelpQueueView {
  return { requests: queue.requests.map((r) => ({ ...r, message: '' })) };
}

function bearerFromAuth(socket: BoardSocket): string | null {
  const token = (socket.handshake.auth as { token?: unknown }).token;
  return typeof token === 'string' && token.length > 0 ? token : null;
}
