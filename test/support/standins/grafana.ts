import http from 'node:http';
import type net from 'node:net';

/**
 * STAND-IN for Grafana, which cannot be installed here. It speaks the documented JSON API the
 * grafana checks use (GET /api/health, GET /api/dashboards/uid/<uid>, POST /api/ds/query) and answers
 * queries from a real Prometheus, so "the panel has data" is decided by real data.
 */
export class GrafanaStandIn {
  port = 0;
  private server: http.Server | null = null;

  constructor(
    private readonly prometheusUrl: string,
    private readonly dashboards: Record<string, { title: string; panels: { id: number; title: string; targets: { refId: string; expr: string }[] }[] }>,
    private readonly credentials = { user: 'admin', password: 'navigator' },
  ) {}

  async start(port = 0, host = '127.0.0.1'): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/api/health') return json(200, { database: 'ok', version: '11.3.0' });
    const expected = 'Basic ' + Buffer.from(`${this.credentials.user}:${this.credentials.password}`).toString('base64');
    if (req.headers.authorization !== expected) return json(401, { message: 'Unauthorized' });
    const dashboard = /^\/api\/dashboards\/uid\/([^/?]+)$/.exec(req.url ?? '');
    if (dashboard) {
      const found = this.dashboards[decodeURIComponent(dashboard[1])];
      if (!found) return json(404, { message: 'Dashboard not found' });
      return json(200, {
        meta: { slug: 'php', provisioned: true },
        dashboard: {
          uid: dashboard[1],
          title: found.title,
          panels: found.panels.map((p) => ({
            ...p,
            type: 'timeseries',
            datasource: { type: 'prometheus', uid: 'prometheus' },
            targets: p.targets.map((t) => ({ ...t, datasource: { type: 'prometheus', uid: 'prometheus' } })),
          })),
        },
      });
    }
    if (req.url === '/api/ds/query' && req.method === 'POST') {
      const body = JSON.parse(await readBody(req)) as { queries: { refId: string; expr: string }[] };
      const results: Record<string, unknown> = {};
      for (const query of body.queries) {
        const answer = (await (await fetch(`${this.prometheusUrl}/api/v1/query?query=${encodeURIComponent(query.expr)}`)).json()) as {
          data?: { result?: { value: [number, string] }[] };
        };
        const series = answer.data?.result ?? [];
        results[query.refId] = {
          status: 200,
          frames: series.map((s) => ({
            schema: { fields: [{ name: 'Time' }, { name: 'Value' }] },
            data: { values: [[s.value[0] * 1000], [Number(s.value[1])]] },
          })),
        };
      }
      return json(200, { results });
    }
    json(404, { message: 'Not found' });
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
