import { UseFilters, UseGuards } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { Roles } from '../auth/roles.decorator';
import { RolesGuard } from '../auth/roles.guard';
import { AckErrorsFilter } from '../common/ack-errors.filter';
import { Payload } from '../common/zod.pipe';
import type { Ack, Payload as PayloadOf } from '../contract/events';
import { WorkshopsService } from './workshops.service';

/** The navigator starts, pauses and resets the workshop clock; the board pushes the new clock to every page. */
@WebSocketGateway({ path: '/socket.io', serveClient: false })
@UseGuards(RolesGuard)
@UseFilters(AckErrorsFilter)
export class ClockGateway {
  constructor(private readonly workshops: WorkshopsService) {}

  @Roles('navigator')
  @SubscribeMessage('clock:control')
  async control(@Payload('clock:control') { action }: PayloadOf<'clock:control'>): Promise<Ack> {
    await this.workshops.controlClock(action);
    return { ok: true };
  }
}
