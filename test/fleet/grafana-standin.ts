/**
 * The Grafana STAND-IN (test/support/standins/grafana.ts) as a process of its own, started inside a fleet VM's
 * network namespace so that it listens on the VM's addresses (its loopback, and its outside address for outside
 * checks). It answers panel queries from the VM's real Prometheus.
 *
 *   tsx test/fleet/grafana-standin.ts <prometheus-url> <listen-host> <port> <admin-password> <dashboard-json>
 */
import { GrafanaStandIn } from '../support/standins/grafana';

async function main(): Promise<void> {
  const [prometheusUrl, host, port, password, dashboards] = process.argv.slice(2);
  const grafana = new GrafanaStandIn(prometheusUrl, JSON.parse(dashboards) as ConstructorParameters<typeof GrafanaStandIn>[1], { user: 'admin', password });
  await grafana.start(Number(port), host);
  process.stdout.write('listening\n');
  process.on('SIGTERM', () => process.exit(0));
  // The parent holds our stdin: when it goes, even by SIGKILL, so do we.
  process.stdin.on('end', () => process.exit(0)).resume();
}

void main();
