import { UseFilters, UseGuards } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { CurrentAttendeeId } from '../auth/current-principal.decorator';
import { Roles } from '../auth/roles.decorator';
import { RolesGuard } from '../auth/roles.guard';
import { AckErrorsFilter } from '../common/ack-errors.filter';
import { Payload } from '../common/zod.pipe';
import type { Ack, Payload as PayloadOf } from '../contract/events';
import { ProbeScheduler } from './probe.scheduler';
import { VmConnectionsService } from './vm-connections.service';
import { refusal } from '../contract/i18n/english';

/** Reconnect and re-probe, for the navigator on any VM and for an attendee on their own. */
@WebSocketGateway({ path: '/socket.io', serveClient: false })
@UseGuards(RolesGuard)
@UseFilters(AckErrorsFilter)
export class VmGateway {
  constructor(
    private readonly connections: VmConnectionsService,
    private readonly probes: ProbeScheduler,
  ) {}

  @Roles('navigator')
  @SubscribeMessage('vm:reconnect')
  reconnect(@Payload('vm:reconnect') { attendeeId }: PayloadOf<'vm:reconnect'>): Ack {
    return this.connections.reconnectNow(attendeeId) ? { ok: true } : refusal('probe.unknown_attendee');
  }

  @Roles('navigator')
  @SubscribeMessage('vm:probe')
  async probe(@Payload('vm:probe') { attendeeId }: PayloadOf<'vm:probe'>): Promise<Ack> {
    return (await this.probes.probeNow(attendeeId)) ? { ok: true } : refusal('probe.vm_not_connected');
  }

  @Roles('attendee')
  @SubscribeMessage('self:probe')
  selfProbe(@CurrentAttendeeId() attendeeId: string, @Payload('self:probe') _payload: PayloadOf<'self:probe'>): Promise<Ack> {
    return this.probes.probeForAttendee(attendeeId);
  }

  @Roles('attendee')
  @SubscribeMessage('self:reconnect')
  selfReconnect(@CurrentAttendeeId() attendeeId: string, @Payload('self:reconnect') _payload: PayloadOf<'self:reconnect'>): Ack {
    return this.connections.reconnectForAttendee(attendeeId);
  }
}
