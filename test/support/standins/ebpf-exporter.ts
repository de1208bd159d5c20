import http from 'node:http';
import type net from 'node:net';

/** The kit's BPF programs (bpf/*.bpf.c), by config and program name, as ebpf_exporter names them. */
export const KIT_PROGRAMS: readonly (readonly [config: string, program: string])[] = [
  ['php_calls', 'function_entry'],
  ['php_calls', 'exception_thrown'],
  ['php_calls', 'exception_caught'],
  ['php_files', 'compile_file_entry'],
  ['php_files', 'error_raised'],
  ['php_requests', 'request_startup'],
  ['php_requests', 'request_shutdown'],
];

/**
 * STAND-IN for cloudflare's ebpf_exporter, which cannot be installed here: it serves the same
 * Prometheus text format and series names (ebpf_exporter_enabled_configs, _ebpf_program_info,
 * _ebpf_program_attached and the kit's ebpf_exporter_php_* metrics), with numbers the test drives.
 */
export class EbpfExporterStandIn {
  /** GET / requests; more series follow from the fields below, as the kit's three configs produce them. */
  requests = 0;
  /** Empty maps print no series, as the exporter does before the first event. */
  functionCalls: Record<string, number> = {};
  exceptionsThrown: Record<string, number> = {};
  exceptionsCaught: Record<string, number> = {};
  errors: Record<string, number> = {};
  filesCompiled: Record<string, number> = {};
  garbage = false;
  /** The kit's programs (config, program) as ebpf_exporter lists them; those named here report 0, a failed attach. */
  programs: readonly (readonly [config: string, program: string])[] = KIT_PROGRAMS;
  unattached = new Set<string>();
  private server: http.Server | null = null;
  port = 0;

  async start(port = 0): Promise<void> {
    this.server = http.createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(this.garbage ? '<html>not metrics</html>\n{{{' : this.text());
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** Moves every counter as a VM under the kit's load generator would, in one tick. */
  tick(requests = 5): void {
    const add = (series: Record<string, number>, key: string, by: number) => (series[key] = (series[key] ?? 0) + by);
    this.requests += requests;
    add(this.functionCalls, 'Sample\\Maths|fib', 177 * requests);
    add(this.functionCalls, 'Sample\\Http|json', requests);
    add(this.exceptionsThrown, 'Sample\\OrderNotFound', 1);
    add(this.exceptionsCaught, 'Sample\\OrderNotFound', 1);
    add(this.errors, '/opt/php-ebpf/php-sample/public/index.php|warning', 1);
    add(this.filesCompiled, '/opt/php-ebpf/php-sample/public/index.php', requests);
  }

  text(): string {
    const series = (name: string, values: Record<string, number>, labels: (key: string) => string) =>
      Object.entries(values).map(([key, value]) => `${name}{${labels(key)}} ${value}`);
    // Label values escaped as the Prometheus text format wants (PHP class names have backslashes).
    const quoted = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    const pair = (first: string, second: string) => (key: string) => {
      const [a, b] = key.split('|');
      return `${first}=${quoted(a)},${second}=${quoted(b)}`;
    };
    // Every request lands in bucket 2^11 µs (≈ 2 ms), as a fast page does: cumulative from there on.
    const buckets = Array.from({ length: 27 }, (_, bucket) => {
      const le = bucket === 26 ? '+Inf' : String(2 ** bucket / 1e6);
      return `ebpf_exporter_php_request_duration_seconds_bucket{method="GET",route="/",le="${le}"} ${bucket >= 11 ? this.requests : 0}`;
    });
    return [
      '# HELP ebpf_exporter_enabled_configs The set of enabled configs',
      '# TYPE ebpf_exporter_enabled_configs gauge',
      'ebpf_exporter_enabled_configs{name="php_calls"} 1',
      'ebpf_exporter_enabled_configs{name="php_files"} 1',
      'ebpf_exporter_enabled_configs{name="php_requests"} 1',
      '# TYPE ebpf_exporter_ebpf_program_info gauge',
      ...this.programs.map(
        ([config, program], i) => `ebpf_exporter_ebpf_program_info{config="${config}",id="${42 + i}",program="${program}",tag="a1b2c3d4e5f6071${i}"} 1`,
      ),
      '# HELP ebpf_exporter_ebpf_program_attached Whether a program is attached',
      '# TYPE ebpf_exporter_ebpf_program_attached gauge',
      ...this.programs.map(([, program], i) => `ebpf_exporter_ebpf_program_attached{id="${42 + i}"} ${this.unattached.has(program) ? 0 : 1}`),
      "# HELP ebpf_exporter_php_requests_total PHP requests by HTTP method and route (the URI's first path segment)",
      '# TYPE ebpf_exporter_php_requests_total counter',
      `ebpf_exporter_php_requests_total{method="GET",route="/"} ${this.requests}`,
      '# TYPE ebpf_exporter_php_request_duration_seconds histogram',
      ...buckets,
      `ebpf_exporter_php_request_duration_seconds_sum{method="GET",route="/"} ${(this.requests * 0.002).toFixed(3)}`,
      `ebpf_exporter_php_request_duration_seconds_count{method="GET",route="/"} ${this.requests}`,
      '# TYPE ebpf_exporter_php_function_calls_total counter',
      ...series('ebpf_exporter_php_function_calls_total', this.functionCalls, pair('class', 'function')),
      '# TYPE ebpf_exporter_php_exceptions_thrown_total counter',
      ...series('ebpf_exporter_php_exceptions_thrown_total', this.exceptionsThrown, (key) => `class=${quoted(key)}`),
      '# TYPE ebpf_exporter_php_exceptions_caught_total counter',
      ...series('ebpf_exporter_php_exceptions_caught_total', this.exceptionsCaught, (key) => `class=${quoted(key)}`),
      '# TYPE ebpf_exporter_php_errors_total counter',
      ...series('ebpf_exporter_php_errors_total', this.errors, pair('file', 'level')),
      '# TYPE ebpf_exporter_php_files_compiled_total counter',
      ...series('ebpf_exporter_php_files_compiled_total', this.filesCompiled, (key) => `file=${quoted(key)}`),
      '',
    ].join('\n');
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
