import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { PublicThrottlerGuard } from './public-throttler.guard';
import { RolesGuard } from './roles.guard';
import { SessionCookies } from './session-cookies';

@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: config.publicRatePerMinute }],
        errorMessage: 'Too many requests from your address; wait a minute and try again.',
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, SessionCookies, RolesGuard, { provide: APP_GUARD, useClass: PublicThrottlerGuard }, { provide: APP_GUARD, useExisting: RolesGuard }],
  exports: [SessionCookies, AuthService, RolesGuard],
})
export class AuthModule {}
