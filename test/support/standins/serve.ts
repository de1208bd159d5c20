/**
 * Runs the STAND-INS for ebpf_exporter and Grafana (neither can be installed here) in a process of
 * their own, so a benchmark does not count their CPU as Navigator's. The exporter's counters grow
 * like a VM under the kit's load generator; Grafana answers from a real Prometheus with the kit's
 * own dashboard. Prints {"exporterPort":…,"grafanaPort":…} on stdout when both listen.
 *
 *   tsx test/support/standins/serve.ts <prometheus-url> <dashboard.json> [exporter-port]
 */
import fs from 'node:fs';
import { EbpfExporterStandIn } from './ebpf-exporter';
import { GrafanaStandIn } from './grafana';

interface DashboardJson {
  uid: string;
  title: string;
  panels: { id: number; title: string; targets?: { refId: string; expr: string }[] }[];
}

async function main(): Promise<void> {
  const [prometheusUrl, dashboardFile, exporterPort] = process.argv.slice(2);
  const dashboard = JSON.parse(fs.readFileSync(dashboardFile, 'utf8')) as DashboardJson;
  const exporter = new EbpfExporterStandIn();
  await exporter.start(Number(exporterPort ?? 0));
  const load = setInterval(() => exporter.tick(), 500);
  load.unref();
  const grafana = new GrafanaStandIn(prometheusUrl, {
    [dashboard.uid]: { title: dashboard.title, panels: dashboard.panels.map((p) => ({ id: p.id, title: p.title, targets: p.targets ?? [] })) },
  });
  await grafana.start();
  process.stdout.write(JSON.stringify({ exporterPort: exporter.port, grafanaPort: grafana.port }) + '\n');
  process.on('SIGTERM', () => process.exit(0));
  // The parent holds our stdin: when it goes, even by SIGKILL, so do we.
  process.stdin.on('end', () => process.exit(0)).resume();
}

void main();
