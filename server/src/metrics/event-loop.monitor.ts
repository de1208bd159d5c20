import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Histogram } from 'prom-client';
import { MetricsService } from './metrics.service';

const SAMPLE_EVERY_MS = 100;

/**
 * How late a timer fires is how late every socket event and probe result waits too: a timer set for
 * 100 ms from now is observed with its lateness. A loop blocked for 2 s shows as one 2 s sample.
 */
@Injectable()
export class EventLoopMonitor implements OnModuleInit, OnModuleDestroy {
  private readonly delaySeconds: Histogram;
  private timer: NodeJS.Timeout | null = null;

  constructor(metrics: MetricsService) {
    this.delaySeconds = new Histogram({
      name: 'navigator_event_loop_delay_seconds',
      help: 'How late a timer fires on the event loop (sampled every 100 ms)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [metrics.registry],
    });
  }

  onModuleInit(): void {
    this.schedule();
  }

  onModuleDestroy(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    const due = performance.now() + SAMPLE_EVERY_MS;
    this.timer = setTimeout(() => {
      this.delaySeconds.observe(Math.max(0, performance.now() - due) / 1000);
      this.schedule();
    }, SAMPLE_EVERY_MS);
    this.timer.unref();
  }
}
