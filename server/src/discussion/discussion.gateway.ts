import { UseGuards } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import type { Principal } from '../auth/principal';
import { Roles } from '../auth/roles.decorator';
import { RolesGuard } from '../auth/roles.guard';
import type { Ack, NoteAck, TimerKind } from '../board/board.events';
import { DiscussionError, DiscussionService } from './discussion.service';

type DiscussionSocket = Socket<Record<string, never>, Record<string, never>, Record<string, never>, { principal?: Principal }>;

/** The discussion's commands: validate the payload's shape, call the service, acknowledge. Pushes go through BoardGateway. */
@WebSocketGateway({ path: '/socket.io', serveClient: false })
@UseGuards(RolesGuard)
export class DiscussionGateway {
  constructor(private readonly discussion: DiscussionService) {}

  @Roles('navigator')
  @SubscribeMessage('discussion:form')
  form(@MessageBody() payload: { by?: unknown; n?: unknown; strategy?: unknown }): Promise<Ack> {
    return attempt(() => {
      const n = Number(payload?.n);
      const strategy = payload?.strategy === 'mixed' ? 'mixed' : 'random';
      if (!Number.isInteger(n) || n < 1 || n > 500) throw new DiscussionError('give a whole number of groups or people per group');
      return this.discussion.formGroups(payload?.by === 'size' ? { by: 'size', size: n, strategy } : { by: 'count', count: n, strategy });
    });
  }

  @Roles('navigator')
  @SubscribeMessage('discussion:move')
  move(@MessageBody() payload: { attendeeId?: unknown; groupId?: unknown }): Promise<Ack> {
    return attempt(() => this.discussion.moveMember(text(payload?.attendeeId, 'attendee'), payload?.groupId === null ? null : text(payload?.groupId, 'group')));
  }

  @Roles('navigator')
  @SubscribeMessage('discussion:rename')
  rename(@MessageBody() payload: { groupId?: unknown; name?: unknown }): Promise<Ack> {
    return attempt(() => this.discussion.renameGroup(text(payload?.groupId, 'group'), payload?.name));
  }

  @Roles('navigator')
  @SubscribeMessage('discussion:timer')
  timer(@MessageBody() payload: { kind?: unknown; action?: unknown; minutes?: unknown }): Promise<Ack> {
    return attempt(() => {
      const kind = payload?.kind === 'presenter' ? 'presenter' : payload?.kind === 'discussion' ? 'discussion' : null;
      const action = ['start', 'pause', 'extend', 'reset'].includes(payload?.action as string)
        ? (payload.action as 'start' | 'pause' | 'extend' | 'reset')
        : null;
      if (!kind || !action) throw new DiscussionError('unknown timer or action');
      return this.discussion.timer(kind as TimerKind, action, typeof payload.minutes === 'number' ? payload.minutes : undefined);
    });
  }

  @Roles('navigator')
  @SubscribeMessage('discussion:order')
  order(@MessageBody() payload: { action?: unknown; groupId?: unknown; position?: unknown }): Promise<Ack> {
    return attempt(() =>
      payload?.action === 'shuffle' ? this.discussion.shuffleOrder() : this.discussion.moveInOrder(text(payload?.groupId, 'group'), Number(payload?.position)),
    );
  }

  @Roles('navigator')
  @SubscribeMessage('discussion:present')
  present(@MessageBody() payload: { action?: unknown }): Promise<Ack> {
    return attempt(() => {
      const action = payload?.action;
      if (action !== 'next' && action !== 'skip' && action !== 'stop' && action !== 'restart') throw new DiscussionError('unknown action');
      return this.discussion.present(action);
    });
  }

  @Roles('navigator', 'attendee')
  @SubscribeMessage('note:create')
  createNote(@ConnectedSocket() socket: DiscussionSocket, @MessageBody() payload: { groupId?: unknown; text?: unknown }): Promise<NoteAck> {
    return this.discussion.createNote(socket.data.principal!, payload?.groupId, payload?.text);
  }

  @Roles('navigator', 'attendee')
  @SubscribeMessage('note:update')
  updateNote(@ConnectedSocket() socket: DiscussionSocket, @MessageBody() payload: { noteId?: unknown; text?: unknown; version?: unknown }): Promise<NoteAck> {
    return this.discussion.updateNote(socket.data.principal!, payload?.noteId, payload?.text, payload?.version);
  }

  @Roles('navigator', 'attendee')
  @SubscribeMessage('note:delete')
  deleteNote(@ConnectedSocket() socket: DiscussionSocket, @MessageBody() payload: { noteId?: unknown }): Promise<Ack> {
    return this.discussion.deleteNote(socket.data.principal!, payload?.noteId);
  }
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 100) throw new DiscussionError(`unknown ${what}`);
  return value;
}

async function attempt(action: () => Promise<void>): Promise<Ack> {
  try {
    await action();
    return { ok: true };
  } catch (error) {
    if (error instanceof DiscussionError) return { ok: false, error: error.message };
    throw error;
  }
}
