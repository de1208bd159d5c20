import { Injectable } from '@nestjs/common';
import { Histogram } from 'prom-client';
import { PrismaService } from '../prisma/prisma.service';
import { MetricsService } from './metrics.service';

/** How long SQLite writes take, fsync included: what every acknowledged note and transition waits for. */
@Injectable()
export class DbWriteMetrics {
  constructor(metrics: MetricsService, prisma: PrismaService) {
    const seconds = new Histogram({
      name: 'navigator_db_write_duration_seconds',
      help: 'SQLite writes (statements outside a transaction, and commits), fsync included, by statement',
      labelNames: ['statement'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [metrics.registry],
    });
    prisma.onWrite((statement, duration) => seconds.observe({ statement }, duration));
  }
}
