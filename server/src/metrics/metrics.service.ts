import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** Navigator's own metrics. Labels stay bounded: ids and outcomes, never names or hostnames. */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });

  readonly sshConnectionAttempts = new Counter({
    name: 'navigator_ssh_connection_attempts_total',
    help: 'SSH connection attempts to attendee VMs, by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly registrations = new Counter({
    name: 'navigator_registrations_total',
    help: 'Attendee registrations accepted',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'navigator_' });
    // The longest stall since the previous scrape: the server's own pauses, which SSH liveness allows for (the
    // distribution over time is navigator_event_loop_delay_seconds).
    this.loopDelay.enable();
    this.gauge('navigator_event_loop_stall_seconds', 'The longest event-loop delay since the previous scrape', [], (set) => {
      if (this.loopDelay.count > 0) set({}, this.loopDelay.max / 1e9);
      this.loopDelay.reset();
    });
  }

  onModuleDestroy(): void {
    this.loopDelay.disable();
  }

  /** A gauge computed at scrape time from whoever owns the state. */
  gauge(
    name: string,
    help: string,
    labelNames: string[],
    collect: (set: (labels: Record<string, string>, value: number) => void) => void | Promise<void>,
  ): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        await collect((labels, value) => this.set(labels, value));
      },
    });
  }
}
