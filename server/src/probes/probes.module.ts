import { Module } from '@nestjs/common';
import { AddressPolicy } from '../attendees/address.policy';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { SshKeyStore } from '../ssh/ssh.keys';
import { WorkshopsModule } from '../workshops/workshops.module';
import { ProbeService } from './probe.service';
import { VmConnectionsService } from './vm-connections.service';

@Module({
  imports: [WorkshopsModule],
  providers: [
    VmConnectionsService,
    ProbeService,
    { provide: SshKeyStore, inject: [APP_CONFIG], useFactory: (config: AppConfig) => SshKeyStore.open(config.dataDir) },
    {
      provide: AddressPolicy,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new AddressPolicy({ allowLoopback: config.allowLoopbackVms, allowLinkLocal: config.allowLinkLocalVms }),
    },
  ],
  exports: [VmConnectionsService, ProbeService, SshKeyStore, AddressPolicy],
})
export class ProbesModule {}
