import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** Navigator's own metrics. Labels stay bounded: ids and outcomes, never names or hostnames. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

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
