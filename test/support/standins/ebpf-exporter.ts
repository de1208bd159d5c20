import http from 'node:http';
import type net from 'node:net';

/**
 * STAND-IN for cloudflare's ebpf_exporter, which cannot be installed here: it serves the same
 * Prometheus text format and series names (ebpf_exporter_enabled_configs, _ebpf_program_info,
 * _ebpf_program_attached and the kit's ebpf_exporter_php_* metrics), with numbers the test drives.
 */
export class EbpfExporterStandIn {
  requests = 0;
  /** Series the kit's php_calls config produces; empty maps print no series, as the exporter does before the first event. */
  functionCalls: Record<string, number> = {};
  exceptionsThrown: Record<string, number> = {};
  garbage = false;
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

  text(): string {
    return [
      '# HELP ebpf_exporter_enabled_configs The set of enabled configs',
      '# TYPE ebpf_exporter_enabled_configs gauge',
      'ebpf_exporter_enabled_configs{name="php_requests"} 1',
      '# TYPE ebpf_exporter_ebpf_program_info gauge',
      'ebpf_exporter_ebpf_program_info{config="php_requests",id="42",program="request_startup",tag="a1b2c3d4e5f60718"} 1',
      '# TYPE ebpf_exporter_ebpf_program_attached gauge',
      'ebpf_exporter_ebpf_program_attached{id="42"} 1',
      '# HELP ebpf_exporter_php_requests_total PHP requests by method',
      '# TYPE ebpf_exporter_php_requests_total counter',
      `ebpf_exporter_php_requests_total{method="GET"} ${this.requests}`,
      '# TYPE ebpf_exporter_php_function_calls_total counter',
      ...Object.entries(this.functionCalls).map(([name, count]) => `ebpf_exporter_php_function_calls_total{function="${name}"} ${count}`),
      '# TYPE ebpf_exporter_php_exceptions_thrown_total counter',
      ...Object.entries(this.exceptionsThrown).map(([name, count]) => `ebpf_exporter_php_exceptions_thrown_total{class="${name}"} ${count}`),
      '',
    ].join('\n');
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
