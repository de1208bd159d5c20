import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { WorkshopsModule } from '../workshops/workshops.module';
import { TunnelEndpoint } from './tunnel.endpoint';
import { TunnelGate } from './tunnel-gate.service';
import { TunnelHostKey, TunnelKeyStore } from './tunnel-keys';
import { TunnelRegistry } from './tunnel.registry';

/** Tunnels from VMs Navigator cannot dial: the SSH endpoint they open `ssh -R` to, and the tunnels open now. */
@Module({
  imports: [WorkshopsModule],
  providers: [
    {
      provide: TunnelHostKey,
      inject: [APP_CONFIG], useFactory: (config: AppConfig) => (config.tunnelPort === null ? null : TunnelHostKey.open(config.dataDir)),
    },
    { provide: TunnelKeyStore, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new TunnelKeyStore(config.dataDir) },
    TunnelRegistry,
    TunnelGate,
    TunnelEndpoint,
  ],
  exports: [TunnelRegistry, TunnelKeyStore, TunnelHostKey, TunnelEndpoint],
})
export class TunnelModule {}
