import { Module } from '@nestjs/common';
import { WorkshopsModule } from '../workshops/workshops.module';
import { BroadcastGateway } from './broadcast.gateway';
import { BroadcastService } from './broadcast.service';
import { HelpGateway } from './help.gateway';
import { HelpService } from './help.service';
import { HostKeyRequestsService } from './host-key-requests.service';

@Module({
  imports: [WorkshopsModule],
  providers: [HelpService, HostKeyRequestsService, HelpGateway, BroadcastService, BroadcastGateway],
  exports: [HelpService, BroadcastService],
})
export class HelpModule {}
