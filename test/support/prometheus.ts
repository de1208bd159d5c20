import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './sshd';

/** A real Prometheus (Debian's 2.42) on a loopback port, scraping the given targets every second. */
export interface TestPrometheus {
  port: number;
  url: string;
  query(expr: string): Promise<{ status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } }>;
  stop(): Promise<void>;
}

export async function startPrometheus(jobs: Record<string, string[]>): Promise<TestPrometheus> {
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    ...Object.entries(jobs).flatMap(([job, targets]) => [
      `  - job_name: ${job}`,
      '    static_configs:',
      `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
    ]),
    '',
  ].join('\n');
  return startPrometheusWithConfig(config);
}

/** A real Prometheus with a configuration file of the caller's (e.g. the scrape snippet the README documents). */
export async function startPrometheusWithConfig(config: string): Promise<TestPrometheus> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-prometheus-'));
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
  const child: ChildProcess = spawn(
    '/usr/bin/prometheus',
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('Prometheus did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    url,
    async query(expr) {
      return (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as Awaited<ReturnType<TestPrometheus['query']>>;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
