import { Module } from '@nestjs/common';
import { AttendeesModule } from './attendees/attendees.module';
import { AuthModule } from './auth/auth.module';
import { PidFileKeeper } from './backup/pid-file';
import { DiscussionModule } from './discussion/discussion.module';
import { ExportsModule } from './exports/exports.module';
import { BoardModule } from './board/board.module';
import { CommonModule } from './common/common.module';
import type { AppConfig } from './config/app.config';
import { ConfigModule } from './config/config.module';
import { HealthModule } from './health/health.module';
import { HelpersModule } from './helpers/helpers.module';
import { KitModule } from './kit/kit.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { PrismaModule } from './prisma/prisma.module';
import { ProbesModule } from './probes/probes.module';
import { ProgressModule } from './progress/progress.module';
import { RetrospectiveModule } from './retrospective/retrospective.module';
import { WorkshopsModule } from './workshops/workshops.module';

export function appModuleFor(config: AppConfig) {
  @Module({
    imports: [
      ConfigModule.forRoot(config),
      LoggingModule.forRoot(config),
      CommonModule,
      PrismaModule,
      MetricsModule,
      AuthModule,
      HelpersModule,
      HealthModule,
      WorkshopsModule,
      KitModule,
      ProgressModule,
      ProbesModule,
      AttendeesModule,
      DiscussionModule,
      ExportsModule,
      RetrospectiveModule,
      BoardModule,
    ],
    providers: [PidFileKeeper],
  })
  class AppModule {}
  return AppModule;
}
