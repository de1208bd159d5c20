import { Global, Module } from '@nestjs/common';
import { DbWriteMetrics } from './db-write.metrics';
import { EventLoopMonitor } from './event-loop.monitor';
import { MetricsAccessGuard } from './metrics-access.guard';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Global()
@Module({ controllers: [MetricsController], providers: [MetricsService, EventLoopMonitor, DbWriteMetrics, MetricsAccessGuard], exports: [MetricsService] })
export class MetricsModule {}
