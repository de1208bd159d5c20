import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import type { CheckResult } from '../contract/checks';
import { MetricsService } from '../metrics/metrics.service';

/** What the probes tell Prometheus: sweep durations and check results by check and status. */
@Injectable()
export class ProbeMetrics {
  private readonly sweepSeconds: Histogram;
  private readonly checkResults: Counter<'check' | 'status'>;

  constructor(metrics: MetricsService) {
    this.sweepSeconds = new Histogram({
      name: 'navigator_sweep_duration_seconds',
      help: 'Time to probe every connected VM once',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [metrics.registry],
    });
    this.checkResults = new Counter({
      name: 'navigator_check_results_total',
      help: 'Check results, by check id and status',
      labelNames: ['check', 'status'] as const,
      registers: [metrics.registry],
    });
  }

  sweepTook(seconds: number): void {
    this.sweepSeconds.observe(seconds);
  }

  results(results: readonly CheckResult[]): void {
    for (const result of results) this.checkResults.inc({ check: result.checkId, status: result.status });
  }
}
