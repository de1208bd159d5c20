import type { VmChannel } from '../ssh/ssh.types';
import { checkKind, type CheckDefinition, type WorkshopDefinition } from '../workshops/workshop.schema';
import type { CheckResult } from './check-result';
import { evaluateGrafanaChecks, evaluateHttp, evaluatePromql, type VmHttp } from './http.evaluator';
import { planSshChecks, runSshChecks } from './ssh-script';

/**
 * Runs the given checks of one VM once: all `ssh` checks in one batch in the VM's kept-open shell, the rest through forwardOut on
 * the same connection, concurrently. Identical GETs in one run (two checks reading :9435/metrics) go
 * over the wire once, and all Grafana panels of a dashboard are asked in one query.
 */
export async function runChecks(channel: VmChannel, workshop: WorkshopDefinition, checks: CheckDefinition[]): Promise<CheckResult[]> {
  const timeoutMs = (check: CheckDefinition) => (check.timeoutSeconds ?? workshop.probe.checkTimeoutSeconds) * 1000;
  const responses = new Map<string, ReturnType<VmHttp>>();
  const http: VmHttp = (port, path, options) => {
    if ((options.method ?? 'GET') !== 'GET') return channel.request(port, path, options);
    const key = `${port} ${path} ${JSON.stringify(options.headers ?? {})}`;
    let response = responses.get(key);
    if (!response) {
      response = channel.request(port, path, options);
      responses.set(key, response);
    }
    return response;
  };

  const sshResults = runSshChecks(
    (input, doneMarker, timeout) => channel.runInShell(input, doneMarker, timeout),
    planSshChecks(checks, workshop.probe.checkTimeoutSeconds),
  );
  const grafana = checks.filter((check) => checkKind(check) === 'grafana');
  const grafanaResults = grafana.length
    ? evaluateGrafanaChecks(
        grafana.map((check) => ({ checkId: check.id, check: check.grafana! })),
        workshop,
        http,
        Math.max(...grafana.map(timeoutMs)),
      )
    : Promise.resolve([]);
  const others = checks
    .filter((check) => checkKind(check) === 'http' || checkKind(check) === 'promql')
    .map((check): Promise<CheckResult> =>
      checkKind(check) === 'http'
        ? evaluateHttp(check.id, check.http!, http, timeoutMs(check))
        : evaluatePromql(check.id, check.promql!, workshop, http, timeoutMs(check)),
    );
  // In the order the checks were given, whatever way each went.
  const byId = new Map([...(await sshResults), ...(await Promise.all(others)), ...(await grafanaResults)].map((r) => [r.checkId, r]));
  return checks.map((check) => byId.get(check.id)!);
}
