import type { VmChannel } from '../ssh/ssh.types';
import { checkKind, type CheckDefinition, type WorkshopDefinition } from '../workshops/workshop.schema';
import type { CheckResult } from './check-result';
import { evaluateGrafana, evaluateHttp, evaluatePromql, type VmHttp } from './http.evaluator';
import { planSshChecks, runSshChecks } from './ssh-script';

/**
 * Runs the given checks of one VM once: all `ssh` checks in one batch in the VM's kept-open shell, the rest through forwardOut on
 * the same connection, concurrently. Identical GETs in one run (two checks reading :9435/metrics, the
 * same Grafana dashboard) go over the wire once.
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
  const others = checks
    .filter((check) => checkKind(check) !== 'ssh')
    .map((check): Promise<CheckResult> => {
      switch (checkKind(check)) {
        case 'http':
          return evaluateHttp(check.id, check.http!, http, timeoutMs(check));
        case 'promql':
          return evaluatePromql(check.id, check.promql!, workshop, http, timeoutMs(check));
        case 'grafana':
          return evaluateGrafana(check.id, check.grafana!, workshop, http, timeoutMs(check));
        case 'ssh':
          throw new Error('ssh checks run in the batched script');
      }
    });
  return [...(await sshResults), ...(await Promise.all(others))];
}
