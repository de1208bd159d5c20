import { UseFilters, UseGuards } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { Roles } from '../auth/roles.decorator';
import { RolesGuard } from '../auth/roles.guard';
import { AckErrorsFilter } from '../common/ack-errors.filter';
import { Payload } from '../common/zod.pipe';
import type { Ack, Payload as PayloadOf } from '../contract/events';
import { BroadcastService } from './broadcast.service';

/** The navigator's banner to the room. */
@WebSocketGateway({ path: '/socket.io', serveClient: false })
@UseGuards(RolesGuard)
@UseFilters(AckErrorsFilter)
export class BroadcastGateway {
  constructor(private readonly broadcast: BroadcastService) {}

  @Roles('navigator')
  @SubscribeMessage('broadcast:send')
  send(@Payload('broadcast:send') { text }: PayloadOf<'broadcast:send'>): Ack {
    return this.broadcast.send(text);
  }

  @Roles('navigator')
  @SubscribeMessage('broadcast:clear')
  clear(@Payload('broadcast:clear') _payload: PayloadOf<'broadcast:clear'>): Ack {
    return this.broadcast.clear();
  }
}
