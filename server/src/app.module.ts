import { Module } from '@nestjs/common';
import { AttendeesModule } from './attendees/attendees.module';
import { AuthModule } from './auth/auth.module';
import { DiscussionModule } from './discussion/discussion.module';
import { ExportsModule } from './exports/exports.module';
import { BoardModule } from './board/board.module';
import { CommonModule } from './common/common.module';
import type { AppConfig } from './config/app.config';
import { ConfigModule } from './config/config.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { PrismaModule } from './prisma/prisma.module';
import { ProbesModule } from './probes/probes.module';
import { WorkshopsModule } from './workshops/workshops.module';

export function appModuleFor(config: AppConfig) {
  @Module({
    imports: [
      ConfigModule.forRoot(config),
      CommonModule,
      PrismaModule,
      MetricsModule,
      AuthModule,
      HealthModule,
      WorkshopsModule,
      ProbesModule,
      AttendeesModule,
      DiscussionModule,
      ExportsModule,
      BoardModule,
    ],
  })
  class AppModule {}
  return AppModule;
}
