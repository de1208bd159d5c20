import type { OutsideChannel } from '../ssh/outside';
import type { VmChannel } from '../ssh/ssh.types';
import {
  workshopText,
  type CheckDefinition,
  type GrafanaCheckDefinition,
  type SshCheckDefinition,
  type WorkshopDefinition,
} from '../workshops/workshop.schema';
import type { CheckResult } from '../contract/checks';
import { coded } from '../contract/i18n/coded';
import { NO_VALUES, redactResult, resolveCheck, resolveGrafana, type CheckValues } from './check-values';
import { evaluateGrafanaChecks, evaluateHttp, evaluatePromql, evaluateTcp, type VmHttp } from './http.evaluator';
import { planSshChecks, runSshChecks, type CheckDurations } from './ssh-script';

/** What each check took last time, per connection (a new connection starts afresh): what batch deadlines allow for. */
const durationsByChannel = new WeakMap<VmChannel, CheckDurations>();

/**
 * Runs the given checks of one VM once: all `ssh` checks in one batch in the VM's kept-open shell, the rest through forwardOut on
 * the same connection, concurrently. Identical GETs in one run (two checks reading :9435/metrics) go
 * over the wire once, and all Grafana panels of a dashboard are asked in one query.
 */
export async function runChecks(
  channel: VmChannel,
  workshop: WorkshopDefinition,
  checks: CheckDefinition[],
  values: CheckValues = NO_VALUES,
  /** Navigator's own connections to the VM's address, for `tcp` checks and `http` with `from: navigator`. */
  outside?: OutsideChannel,
): Promise<CheckResult[]> {
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

  const ssh: SshCheckDefinition[] = [];
  const env: Record<string, string> = {};
  const grafana: GrafanaCheckDefinition[] = [];
  const others: Promise<CheckResult>[] = [];
  for (const given of checks) {
    const { check, env: checkEnv, missing, awaiting } = resolveCheck(workshop, given, values);
    if (awaiting.length > 0) {
      others.push(Promise.resolve(awaitingCapture(check.id, awaiting, values)));
      continue;
    }
    if (missing.length > 0) {
      others.push(Promise.resolve(missingValues(workshop, check.id, missing)));
      continue;
    }
    Object.assign(env, checkEnv);
    switch (check.kind) {
      case 'ssh':
        ssh.push(check);
        break;
      case 'grafana':
        grafana.push(check);
        break;
      case 'http':
        if (check.http.from !== 'navigator') others.push(evaluateHttp(check.id, check.http, http, timeoutMs(check)));
        else if (outside) others.push(evaluateHttp(check.id, check.http, (port, path, options) => outside.request(port, path, options), timeoutMs(check)));
        else others.push(Promise.resolve(noOutside(check.id)));
        break;
      case 'tcp':
        others.push(outside ? evaluateTcp(check.id, check.tcp, outside, timeoutMs(check)) : Promise.resolve(noOutside(check.id)));
        break;
      case 'promql':
        others.push(evaluatePromql(check.id, check.promql, workshop, http, timeoutMs(check)));
        break;
    }
  }
  let durations = durationsByChannel.get(channel);
  if (!durations) durationsByChannel.set(channel, (durations = new Map()));
  const sshResults = runSshChecks(
    (input, doneMarker, timeout, setup) => channel.runInShell(input, doneMarker, timeout, setup),
    planSshChecks(ssh, workshop.probe.checkTimeoutSeconds),
    durations,
    env,
  );
  const grafanaResults = grafana.length
    ? evaluateGrafanaChecks(
        grafana.map((check) => ({ checkId: check.id, check: check.grafana })),
        { ...workshop, grafana: resolveGrafana(workshop, values) },
        http,
        Math.max(...grafana.map(timeoutMs)),
      )
    : Promise.resolve([]);
  // In the order the checks were given, whatever way each went.
  const byId = new Map([...(await sshResults), ...(await Promise.all(others)), ...(await grafanaResults)].map((r) => [r.checkId, r]));
  return checks.map((check) => redactResult(byId.get(check.id)!, values.secrets));
}

function noOutside(checkId: string): CheckResult {
  return { checkId, status: 'error', reason: coded('check.no_outside'), output: null };
}

/** A check that needs an attendee value not given yet is the attendee's to do: said in words, nothing run. */
function missingValues(workshop: WorkshopDefinition, checkId: string, names: string[]): CheckResult {
  const labels = names.map((name) => `"${workshopText(workshop, workshop.attendeeValues?.[name]?.label ?? name)}"`).join(', ');
  return { checkId, status: 'fail', reason: coded('check.missing_values', { labels }), output: null };
}

/** A check that uses what another check finds on the VM waits for it: said in words, nothing run (see CheckValues.awaited). */
function awaitingCapture(checkId: string, names: string[], values: CheckValues): CheckResult {
  const finders = [...new Set(names.map((name) => `"${values.awaited[name]}"`))].join(', ');
  return { checkId, status: 'fail', reason: coded('check.awaiting_capture', { checks: finders }), output: null };
}
