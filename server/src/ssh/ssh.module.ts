import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { AddressPolicy } from './address.policy';
import { AttendeeKeyStore } from './attendee-keys';
import { SshPool } from './ssh.pool';

/** The outside world of SSH: each attendee's key pair, the addresses Navigator will dial, and the connection pool. */
@Module({
  providers: [
    { provide: AttendeeKeyStore, inject: [APP_CONFIG], useFactory: (config: AppConfig) => AttendeeKeyStore.open(config.dataDir) },
    {
      provide: AddressPolicy,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new AddressPolicy({ allowLoopback: config.allowLoopbackVms, allowLinkLocal: config.allowLinkLocalVms }),
    },
    {
      provide: SshPool,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        new SshPool({
          maxHandshakesInFlight: Math.min(config.probeConcurrency, 16),
          handshakeCeilingMs: config.sshHandshakeCeilingSeconds * 1000,
        }),
    },
  ],
  exports: [AttendeeKeyStore, AddressPolicy, SshPool],
})
export class SshModule {}
