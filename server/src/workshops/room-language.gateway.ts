import { UseFilters, UseGuards } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { Roles } from '../auth/roles.decorator';
import { RolesGuard } from '../auth/roles.guard';
import { AckErrorsFilter } from '../common/ack-errors.filter';
import { Payload } from '../common/zod.pipe';
import type { Ack, Payload as PayloadOf } from '../contract/events';
import { RoomLanguageService } from './room-language.service';

/** The navigator sets the room's language; the board gateway pushes it to every projector. Helpers cannot. */
@WebSocketGateway({ path: '/socket.io', serveClient: false })
@UseGuards(RolesGuard)
@UseFilters(AckErrorsFilter)
export class RoomLanguageGateway {
  constructor(private readonly rooms: RoomLanguageService) {}

  @Roles('navigator')
  @SubscribeMessage('room:set-language')
  async setLanguage(@Payload('room:set-language') { language }: PayloadOf<'room:set-language'>): Promise<Ack> {
    await this.rooms.set(language);
    return { ok: true };
  }
}
