import type { CheckResult } from '../contract/checks';
import { REFERENCE, referencesIn, workshopText, type CheckDefinition, type SshCheckDefinition, type WorkshopDefinition } from '../workshops/workshop.schema';

/**
 * The values a check of one attendee's VM is run with: the workshop's `vars` (with what this VM's
 * checks captured over them) and the attendee's own values. Version 2 files only: in a version 1 file
 * `${...}` is plain text, as it always was.
 */
export interface CheckValues {
  vars: Readonly<Record<string, string>>;
  attendee: Readonly<Record<string, string>>;
  /** The attendee's secret values: redacted from whatever a check printed. */
  secrets: readonly string[];
  /**
   * Vars a `capture` check sets that it has not found on this VM yet, each with the title of a check that finds it.
   * A check using one is not run until then: with the workshop's default it could pass or fail for the wrong reason,
   * and a sticky one would keep a pass that is not this VM's.
   */
  awaited: Readonly<Record<string, string>>;
}

export const NO_VALUES: CheckValues = { vars: {}, attendee: {}, secrets: [], awaited: {} };

export function checkValues(
  workshop: WorkshopDefinition,
  attendee: Readonly<Record<string, string>>,
  captured: Readonly<Record<string, string>>,
  { awaitCaptures = false }: { awaitCaptures?: boolean } = {},
): CheckValues {
  const declared = workshop.attendeeValues ?? {};
  const own = Object.fromEntries(Object.entries(attendee).filter(([name, value]) => declared[name] !== undefined && value !== ''));
  const awaited: Record<string, string> = {};
  if (awaitCaptures)
    for (const [name, checks] of capturingChecks(workshop)) if (captured[name] === undefined) awaited[name] = workshopText(workshop, checks[0].title);
  return {
    vars: { ...workshop.vars, ...captured },
    attendee: own,
    secrets: Object.entries(own)
      .filter(([name]) => declared[name]?.secret)
      .map(([, value]) => value),
    awaited,
  };
}

const capturingByWorkshop = new WeakMap<WorkshopDefinition, ReadonlyMap<string, readonly SshCheckDefinition[]>>();

/** The checks that set each var with `capture` (version 2 files only), in the file's order. */
export function capturingChecks(workshop: WorkshopDefinition): ReadonlyMap<string, readonly SshCheckDefinition[]> {
  let byVar = capturingByWorkshop.get(workshop);
  if (byVar) return byVar;
  const found = new Map<string, SshCheckDefinition[]>();
  if ((workshop.version ?? 1) >= 2)
    for (const step of workshop.steps)
      for (const check of step.checks)
        if (check.kind === 'ssh' && check.ssh.capture) found.set(check.ssh.capture.var, [...(found.get(check.ssh.capture.var) ?? []), check]);
  capturingByWorkshop.set(workshop, (byVar = found));
  return byVar;
}

const varsUsed = new WeakMap<CheckDefinition, readonly string[]>();

/** The workshop vars a check runs with (its title and failure text aside), less the one it captures itself: it never waits for its own finding. */
export function varsUsedBy(check: CheckDefinition): readonly string[] {
  let names = varsUsed.get(check);
  if (names) return names;
  const own = check.kind === 'ssh' ? check.ssh.capture?.var : undefined;
  names = [
    ...new Set(
      referencesIn(JSON.stringify({ ...check, title: '', failure: '' }))
        .filter((ref) => ref.scope === 'vars' && ref.name !== own)
        .map((ref) => ref.name),
    ),
  ];
  varsUsed.set(check, names);
  return names;
}

/** The shell variable an ssh check reads a value from: `${attendee.grafanaPassword}` → `${NAVIGATOR_ATTENDEE_grafanaPassword}`. */
export const shellVariable = (scope: 'vars' | 'attendee', name: string) => `NAVIGATOR_${scope === 'vars' ? 'VAR' : 'ATTENDEE'}_${name}`;

export interface ResolvedCheck {
  check: CheckDefinition;
  /** For an ssh check: the environment its script reads its values from. */
  env: Record<string, string>;
  /** Attendee values the check needs that the attendee has not given yet. */
  missing: string[];
  /** Captured vars the check uses that this VM has not had found yet (see CheckValues.awaited). */
  awaiting: string[];
}

/**
 * A check with its references replaced. An ssh script is never given a value as text: each reference
 * becomes a shell variable, set in the environment the batch runs in, so a value cannot change what
 * the script does (quote it as any shell variable: "${attendee.name}").
 */
/** Whether a check's texts name any value: most do not, and are used as they are on every sweep. */
const namesValues = new WeakMap<CheckDefinition, boolean>();
const ANY_REFERENCE = new RegExp(REFERENCE.source);

export function resolveCheck(workshop: WorkshopDefinition, check: CheckDefinition, values: CheckValues): ResolvedCheck {
  if ((workshop.version ?? 1) < 2) return { check, env: {}, missing: [], awaiting: [] };
  let named = namesValues.get(check);
  if (named === undefined) namesValues.set(check, (named = ANY_REFERENCE.test(JSON.stringify(check))));
  if (!named) return { check, env: {}, missing: [], awaiting: [] };
  const awaiting = varsUsedBy(check).filter((name) => values.awaited[name] !== undefined);
  if (awaiting.length > 0) return { check, env: {}, missing: [], awaiting };
  const missing = new Set<string>();
  const valueOf = (scope: string, name: string): string => {
    const value = scope === 'vars' ? values.vars[name] : values.attendee[name];
    if (value === undefined && scope === 'attendee') missing.add(name);
    return value ?? '';
  };
  const text = <T extends string | undefined>(value: T): T =>
    value === undefined ? value : (value.replace(REFERENCE, (_, scope: string, name: string) => valueOf(scope, name)) as T);
  const env: Record<string, string> = {};
  switch (check.kind) {
    case 'ssh': {
      for (const ref of referencesIn(check.ssh.run)) env[shellVariable(ref.scope, ref.name)] = valueOf(ref.scope, ref.name);
      const run = check.ssh.run.replace(REFERENCE, (_, scope: 'vars' | 'attendee', name: string) => `\${${shellVariable(scope, name)}}`);
      return { check: { ...check, ssh: { ...check.ssh, run, stdout: text(check.ssh.stdout) } }, env, missing: [...missing], awaiting: [] };
    }
    case 'http': {
      const { headers, basicAuth } = check.http;
      const http = {
        ...check.http,
        path: text(check.http.path),
        contains: text(check.http.contains),
        notContains: text(check.http.notContains),
        matches: text(check.http.matches),
        headers: headers && Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, text(value)])),
        basicAuth: basicAuth && { user: text(basicAuth.user), password: text(basicAuth.password) },
      };
      return { check: { ...check, http }, env, missing: [...missing], awaiting: [] };
    }
    case 'promql':
      return { check: { ...check, promql: { ...check.promql, query: text(check.promql.query) } }, env, missing: [...missing], awaiting: [] };
    case 'grafana':
      return { check: { ...check, grafana: { ...check.grafana, dashboard: text(check.grafana.dashboard) } }, env, missing: [...missing], awaiting: [] };
    case 'tcp':
      return { check, env, missing: [], awaiting: [] };
  }
}

/** The workshop's Grafana credentials with this attendee's values in. */
export function resolveGrafana(workshop: WorkshopDefinition, values: CheckValues): WorkshopDefinition['grafana'] {
  if ((workshop.version ?? 1) < 2) return workshop.grafana;
  const text = (value: string | undefined) =>
    value?.replace(REFERENCE, (_, scope: string, name: string) => (scope === 'vars' ? values.vars[name] : values.attendee[name]) ?? '');
  const { user, password, token } = workshop.grafana;
  return { ...workshop.grafana, user: text(user), password: text(password), token: text(token) };
}

/**
 * Replaces every secret value in what a check printed or why it failed (each value of its reason: the
 * data; a number that would show a secret becomes text): check output reaches the board.
 */
export function redactResult(result: CheckResult, secrets: readonly string[]): CheckResult {
  if (secrets.length === 0) return result;
  const redact = (text: string) => secrets.reduce((out, secret) => out.split(secret).join('[secret]'), text);
  const output = result.output === null ? null : redact(result.output);
  if (result.reason === null || result.reason.values === undefined) return { ...result, output };
  const values = Object.fromEntries(
    Object.entries(result.reason.values).map(([name, value]) => {
      const redacted = redact(String(value));
      return [name, redacted === String(value) ? value : redacted];
    }),
  );
  return { ...result, reason: { ...result.reason, values }, output };
}

/** What passing checks with `capture` found on this VM: the first group of their pattern, or their trimmed output. */
export function capturedValues(checks: readonly CheckDefinition[], results: readonly CheckResult[]): Record<string, string> {
  const captured: Record<string, string> = {};
  for (const check of checks) {
    if (check.kind !== 'ssh' || !check.ssh.capture) continue;
    const result = results.find((r) => r.checkId === check.id);
    if (result?.status !== 'pass' || result.output === null) continue;
    const { var: name, pattern } = check.ssh.capture;
    const value = pattern ? new RegExp(pattern, 'm').exec(result.output)?.[1] : result.output.trim().split('\n')[0];
    if (value !== undefined && value !== '') captured[name] = value.slice(0, 500);
  }
  return captured;
}
