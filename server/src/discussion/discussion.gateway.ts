import { UseFilters, UseGuards } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { Roles } from '../auth/roles.decorator';
import { RolesGuard } from '../auth/roles.guard';
import { AckErrorsFilter } from '../common/ack-errors.filter';
import { Payload } from '../common/zod.pipe';
import type { Ack, NoteAck, Payload as PayloadOf } from '../contract/events';
import { DiscussionError, DiscussionService } from './discussion.service';

/** The discussion's commands: call the service, acknowledge. Pushes go through the board gateway. */
@WebSocketGateway({ path: '/socket.io', serveClient: false })
@UseGuards(RolesGuard)
@UseFilters(AckErrorsFilter)
export class DiscussionGateway {
  constructor(private readonly discussion: DiscussionService) {}

  @Roles('navigator')
  @SubscribeMessage('discussion:form')
  form(@Payload('discussion:form') { by, n, strategy }: PayloadOf<'discussion:form'>): Promise<Ack> {
    return attempt(() => this.discussion.formGroups(by === 'size' ? { by, size: n, strategy } : { by, count: n, strategy }));
  }

  @Roles('navigator')
  @SubscribeMessage('discussion:move')
  move(@Payload('discussion:move') { attendeeId, groupId }: PayloadOf<'discussion:move'>): Promise<Ack> {
    return attempt(() => this.discussion.moveMember(attendeeId, groupId));
  }

  @Roles('navigator')
  @SubscribeMessage('discussion:rename')
  rename(@Payload('discussion:rename') { groupId, name }: PayloadOf<'discussion:rename'>): Promise<Ack> {
    return attempt(() => this.discussion.renameGroup(groupId, name));
  }

  @Roles('navigator')
  @SubscribeMessage('discussion:timer')
  timer(@Payload('discussion:timer') { kind, action, minutes }: PayloadOf<'discussion:timer'>): Promise<Ack> {
    return attempt(() => this.discussion.timer(kind, action, minutes));
  }

  @Roles('navigator')
  @SubscribeMessage('discussion:order')
  order(@Payload('discussion:order') payload: PayloadOf<'discussion:order'>): Promise<Ack> {
    return attempt(() => (payload.action === 'shuffle' ? this.discussion.shuffleOrder() : this.discussion.moveInOrder(payload.groupId, payload.position)));
  }

  @Roles('navigator')
  @SubscribeMessage('discussion:present')
  present(@Payload('discussion:present') { action }: PayloadOf<'discussion:present'>): Promise<Ack> {
    return attempt(() => this.discussion.present(action));
  }

  @Roles('navigator', 'attendee')
  @SubscribeMessage('note:create')
  createNote(@CurrentPrincipal() principal: Principal, @Payload('note:create') { groupId, text }: PayloadOf<'note:create'>): Promise<NoteAck> {
    return this.discussion.createNote(principal, groupId, text);
  }

  @Roles('navigator', 'attendee')
  @SubscribeMessage('note:update')
  updateNote(@CurrentPrincipal() principal: Principal, @Payload('note:update') { noteId, text, version }: PayloadOf<'note:update'>): Promise<NoteAck> {
    return this.discussion.updateNote(principal, noteId, text, version);
  }

  @Roles('navigator', 'attendee')
  @SubscribeMessage('note:delete')
  deleteNote(@CurrentPrincipal() principal: Principal, @Payload('note:delete') { noteId }: PayloadOf<'note:delete'>): Promise<Ack> {
    return this.discussion.deleteNote(principal, noteId);
  }
}

/** A rule the service refused is the caller's answer; anything else is the filter's. */
async function attempt(action: () => Promise<void>): Promise<Ack> {
  try {
    await action();
    return { ok: true };
  } catch (error) {
    if (error instanceof DiscussionError) return { ok: false, error: error.message };
    throw error;
  }
}
