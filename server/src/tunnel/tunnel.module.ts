import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { WorkshopsModule } from '../workshops/workshops.module';
import { TunnelCommandsService } from './tunnel-commands.service';
import { TunnelController } from './tunnel.controller';
import { TunnelEndpoint } from './tunnel.endpoint';
import { TunnelGate } from './tunnel-gate.service';
import { TunnelHousekeeping } from './tunnel-housekeeping.service';
import { TunnelHostKey, TunnelKeyStore } from './tunnel-keys';
import { TunnelRegistry } from './tunnel.registry';

/** Tunnels from VMs Navigator cannot dial: the SSH endpoint they open `ssh -R` to, and the tunnels open now. */
@Module({
  imports: [WorkshopsModule],
  controllers: [TunnelController],
  providers: [
    {
      provide: TunnelHostKey,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => (config.tunnelPort === null ? null : TunnelHostKey.open(config.dataDir)),
    },
    { provide: TunnelKeyStore, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new TunnelKeyStore(config.dataDir) },
    TunnelRegistry,
    TunnelGate,
    TunnelEndpoint,
    TunnelCommandsService,
    TunnelHousekeeping,
  ],
  exports: [TunnelRegistry, TunnelKeyStore, TunnelHostKey, TunnelEndpoint],
})
export class TunnelModule {}
