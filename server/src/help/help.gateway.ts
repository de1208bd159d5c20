import { UseFilters, UseGuards } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { CurrentAttendeeId, CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { Roles } from '../auth/roles.decorator';
import { RolesGuard } from '../auth/roles.guard';
import { AckErrorsFilter } from '../common/ack-errors.filter';
import { Payload } from '../common/zod.pipe';
import type { Ack, Payload as PayloadOf } from '../contract/events';
import { HelpService } from './help.service';
import { HostKeyRequestsService } from './host-key-requests.service';

/** Raised hands: attendees raise and lower their own, the navigator and helpers answer them; host keys are the navigator's. */
@WebSocketGateway({ path: '/socket.io', serveClient: false })
@UseGuards(RolesGuard)
@UseFilters(AckErrorsFilter)
export class HelpGateway {
  constructor(
    private readonly help: HelpService,
    private readonly hostKeys: HostKeyRequestsService,
  ) {}

  @Roles('attendee')
  @SubscribeMessage('help:raise')
  raise(@CurrentAttendeeId() attendeeId: string, @Payload('help:raise') { message }: PayloadOf<'help:raise'>): Promise<Ack> {
    return this.help.raise(attendeeId, message);
  }

  @Roles('attendee')
  @SubscribeMessage('help:lower')
  lower(@CurrentAttendeeId() attendeeId: string, @Payload('help:lower') _payload: PayloadOf<'help:lower'>): Promise<Ack> {
    return this.help.lower(attendeeId);
  }

  @Roles('navigator', 'helper')
  @SubscribeMessage('help:acknowledge')
  acknowledge(@CurrentPrincipal() principal: Principal, @Payload('help:acknowledge') { id }: PayloadOf<'help:acknowledge'>): Promise<Ack> {
    return this.help.acknowledge(id, principal);
  }

  @Roles('navigator', 'helper')
  @SubscribeMessage('help:resolve')
  resolve(@Payload('help:resolve') { id }: PayloadOf<'help:resolve'>): Promise<Ack> {
    return this.help.resolve(id);
  }

  @Roles('attendee')
  @SubscribeMessage('self:host-key-request')
  requestHostKey(@CurrentAttendeeId() attendeeId: string, @Payload('self:host-key-request') _payload: PayloadOf<'self:host-key-request'>): Promise<Ack> {
    return this.hostKeys.request(attendeeId);
  }

  @Roles('navigator')
  @SubscribeMessage('hostkey:trust')
  trustHostKey(@Payload('hostkey:trust') { id }: PayloadOf<'hostkey:trust'>): Promise<Ack> {
    return this.hostKeys.trust(id);
  }

  @Roles('navigator')
  @SubscribeMessage('hostkey:reject')
  rejectHostKey(@Payload('hostkey:reject') { id }: PayloadOf<'hostkey:reject'>): Promise<Ack> {
    return this.hostKeys.reject(id);
  }
}
