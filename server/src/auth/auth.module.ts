import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { RolesGuard } from './roles.guard';

@Global()
@Module({
  controllers: [AuthController],
  providers: [AuthService, RolesGuard, { provide: APP_GUARD, useExisting: RolesGuard }],
  exports: [AuthService, RolesGuard],
})
export class AuthModule {}
