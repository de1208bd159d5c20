import { describe, expect, it } from 'vitest';
import { englishText } from '../contract/i18n/english';
import { workshopSchema } from '../workshops/workshop.schema';
import { capturedValues, checkValues, redactResult, resolveCheck, resolveGrafana } from './check-values';
import { buildSshBatch } from './ssh-script';

const workshop = workshopSchema.parse({
  version: 2,
  id: 'w',
  title: 'W',
  vars: { php: '8.2' },
  attendeeValues: { grafanaPassword: { label: 'Your Grafana password', secret: true }, team: { label: 'Team', required: false } },
  grafana: { user: 'admin', password: '${attendee.grafanaPassword}' },
  steps: [
    {
      id: 's',
      title: 'S',
      minutes: 5,
      hint: 'Run php${vars.php}',
      checks: [
        { id: 'version', title: 'V', ssh: { run: 'php -r "echo PHP_VERSION;"', capture: { var: 'php', pattern: '^(\\d+\\.\\d+)' } } },
        { id: 'login', title: 'L', ssh: { run: 'curl -fsu "admin:${attendee.grafanaPassword}" localhost:3000/api/user && test -x /usr/bin/php${vars.php}' } },
        { id: 'api', title: 'A', http: { port: 3000, path: '/api/${vars.php}', basicAuth: { user: 'admin', password: '${attendee.grafanaPassword}' } } },
      ],
    },
  ],
});
const [version, login, api] = workshop.steps[0].checks;
const values = checkValues(workshop, { grafanaPassword: "s3'cret; rm -rf /", team: '', stray: 'x' }, { php: '8.1' });

describe('check values', () => {
  it('takes the workshop vars, what the VM captured over them, and only the declared attendee values given', () => {
    expect(values).toEqual({ vars: { php: '8.1' }, attendee: { grafanaPassword: "s3'cret; rm -rf /" }, secrets: ["s3'cret; rm -rf /"], awaited: {} });
  });

  it('an ssh script reads values from shell variables: the value is in the environment, never in the script', () => {
    const resolved = resolveCheck(workshop, login, values);
    expect(resolved.check.kind === 'ssh' && resolved.check.ssh.run).toBe(
      'curl -fsu "admin:${NAVIGATOR_ATTENDEE_grafanaPassword}" localhost:3000/api/user && test -x /usr/bin/php${NAVIGATOR_VAR_php}',
    );
    expect(resolved.env).toEqual({ NAVIGATOR_ATTENDEE_grafanaPassword: "s3'cret; rm -rf /", NAVIGATOR_VAR_php: '8.1' });
    const batch = buildSshBatch(
      [{ id: 'login', run: resolved.check.kind === 'ssh' ? resolved.check.ssh.run : '', timeoutSeconds: 5 }],
      'n',
      new Map(),
      resolved.env,
    );
    // The check's own text names the variables, never their values.
    expect(batch.shellInput.split('\n').find((line) => line.startsWith('c login '))).not.toContain('s3');
    // Quoted as one word for the kept-open shell, exported for the check's programs (never on a command line), unset after.
    expect(batch.shellInput).toContain(`export NAVIGATOR_ATTENDEE_grafanaPassword='s3'\\''cret; rm -rf /'\n`);
    expect(batch.shellInput).toContain('unset NAVIGATOR_ATTENDEE_grafanaPassword NAVIGATOR_VAR_php\n');
  });

  it('http checks get their values as text; grafana credentials too', () => {
    const resolved = resolveCheck(workshop, api, values);
    expect(resolved.check.kind === 'http' && resolved.check.http).toMatchObject({
      path: '/api/8.1',
      basicAuth: { user: 'admin', password: "s3'cret; rm -rf /" },
    });
    expect(resolveGrafana(workshop, values)).toMatchObject({ user: 'admin', password: "s3'cret; rm -rf /" });
  });

  it('says which attendee values a check still needs', () => {
    expect(resolveCheck(workshop, login, checkValues(workshop, {}, {})).missing).toEqual(['grafanaPassword']);
  });

  it('leaves a version 1 file as it was', () => {
    const v1 = workshopSchema.parse({
      id: 'w',
      title: 'W',
      steps: [{ id: 's', title: 'S', minutes: 5, checks: [{ id: 'c', title: 'C', ssh: { run: 'echo ${vars.x}' } }] }],
    });
    expect(resolveCheck(v1, v1.steps[0].checks[0], values)).toEqual({ check: v1.steps[0].checks[0], env: {}, missing: [], awaiting: [] });
  });

  it('redacts secret values from what a check printed and why it failed', () => {
    const reason = { code: 'check.exit_code_output', values: { exitCode: 1, output: "bad s3'cret; rm -rf /" } } as const;
    const redacted = redactResult({ checkId: 'c', status: 'fail', reason, output: "pw=s3'cret; rm -rf /\n" }, values.secrets);
    expect(redacted).toEqual({
      checkId: 'c',
      status: 'fail',
      reason: { code: 'check.exit_code_output', values: { exitCode: 1, output: 'bad [secret]' } },
      output: 'pw=[secret]\n',
    });
    expect(englishText(redacted.reason!)).toBe('exit code 1: bad [secret]');
    // A value that is a secret whole, as a number would show it, is redacted too.
    expect(
      redactResult({ checkId: 'c', status: 'fail', reason: { code: 'check.port_closed', values: { port: 4242 } }, output: null }, ['4242']).reason,
    ).toEqual({
      code: 'check.port_closed',
      values: { port: '[secret]' },
    });
  });

  it('a check using a captured var waits until this VM has a value for it; the capturing check itself does not', () => {
    const awaiting = checkValues(workshop, { grafanaPassword: 'pw12' }, {}, { awaitCaptures: true });
    expect(awaiting.awaited).toEqual({ php: 'V' });
    expect(resolveCheck(workshop, login, awaiting)).toMatchObject({ awaiting: ['php'], env: {} });
    expect(resolveCheck(workshop, api, awaiting).awaiting).toEqual(['php']);
    expect(resolveCheck(workshop, version, awaiting).awaiting).toEqual([]);
    const found = checkValues(workshop, { grafanaPassword: 'pw12' }, { php: '8.3' }, { awaitCaptures: true });
    expect(found.awaited).toEqual({});
    expect(resolveCheck(workshop, login, found)).toMatchObject({ awaiting: [], env: { NAVIGATOR_VAR_php: '8.3' } });
    // Without awaitCaptures (navigator try, which runs the file in order), the workshop's default is used.
    expect(checkValues(workshop, {}, {}).awaited).toEqual({});
  });

  it('captures a var from a passing check', () => {
    expect(capturedValues([version], [{ checkId: 'version', status: 'pass', reason: null, output: '8.1.2' }])).toEqual({ php: '8.1' });
    expect(capturedValues([version], [{ checkId: 'version', status: 'fail', reason: null, output: '8.1.2' }])).toEqual({});
  });
});
