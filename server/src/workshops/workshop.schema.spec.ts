import { describe, expect, it } from 'vitest';
import { parseWorkshop } from './workshop.loader';
import { agendaOf, forwardedPorts, workshopSchema } from './workshop.schema';

describe('workshopSchema', () => {
  it('fills defaults and lists forwarded ports', () => {
    const parsed = workshopSchema.parse({
      id: 'demo',
      title: 'Demo',
      steps: [
        {
          id: 'one',
          title: 'One',
          minutes: 5,
          checks: [
            { id: 'c', title: 'C', http: { port: 9435 } },
            { id: 'p', title: 'P', promql: { query: 'up' } },
          ],
        },
      ],
    });
    expect(parsed.probe.intervalSeconds).toBe(5);
    expect(forwardedPorts(parsed)).toEqual([9090, 9435]);
  });
});

describe('check kinds', () => {
  const workshopWith = (check: Record<string, unknown>) => ({ id: 'demo', title: 'Demo', steps: [{ id: 'one', title: 'One', minutes: 5, checks: [check] }] });

  it('reads the kind from its field, and a parsed definition parses again to itself', () => {
    const parsed = workshopSchema.parse(workshopWith({ id: 'c', title: 'C', ssh: { run: 'true' } }));
    const check = parsed.steps[0].checks[0];
    expect(check).toEqual({ id: 'c', title: 'C', kind: 'ssh', ssh: { run: 'true' } });
    expect(workshopSchema.parse(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
  });

  it('refuses a check with no kind, two kinds, or a kind that names another field', () => {
    const issues = (check: Record<string, unknown>) => workshopSchema.safeParse(workshopWith(check)).error?.issues.map((i) => i.message) ?? [];
    expect(issues({ id: 'c', title: 'C' })).toEqual(['a check needs exactly one kind: ssh, http, promql, grafana, tcp']);
    expect(issues({ id: 'c', title: 'C', ssh: { run: 'true' }, http: { port: 80 } })).toEqual(['a check has exactly one kind, found ssh and http']);
    expect(issues({ id: 'c', title: 'C', kind: 'http', ssh: { run: 'true' } })).toEqual(['says "http" but the check has a "ssh" field']);
  });
});

describe('format versions', () => {
  const step = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    title: id,
    minutes: 5,
    checks: [{ id: `${id}-c`, title: 'C', ssh: { run: 'true' } }],
    ...extra,
  });
  const issues = (workshop: Record<string, unknown>) =>
    workshopSchema.safeParse({ id: 'w', title: 'W', ...workshop }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

  it('reads a file without version as version 1, its definition as it always was (no new keys)', () => {
    const parsed = workshopSchema.parse({ id: 'w', title: 'W', steps: [step('a')] });
    expect(Object.keys(parsed).sort()).toEqual(['description', 'discussion', 'grafana', 'id', 'probe', 'prometheus', 'ssh', 'steps', 'title']);
    expect(Object.keys(parsed.steps[0]).sort()).toEqual(['checks', 'hint', 'id', 'minutes', 'title']);
  });

  it('refuses a version 2 field in a version 1 file, naming it', () => {
    expect(issues({ steps: [step('a', { optional: true })] })).toEqual([
      'steps.0.optional: ' + 'this field is new in format version 2: add "version: 2" at the top of the file',
    ]);
    expect(issues({ version: 1, steps: [{ ...step('a'), checks: [{ id: 'c', title: 'C', ssh: { run: 'true' }, sticky: true }] }] })).toEqual([
      'steps.0.checks.0.sticky: this field is new in format version 2: add "version: 2" at the top of the file',
    ]);
    expect(issues({ version: 3, steps: [step('a')] })).toHaveLength(1);
  });

  it('version 2: talks have minutes and no checks, steps need checks, blocks are contiguous', () => {
    expect(
      issues({ version: 2, steps: [{ id: 't', title: 'T', minutes: 5, talk: true, checks: [{ id: 'c', title: 'C', ssh: { run: 'true' } }] }, step('a')] }),
    ).toEqual(['steps.0.checks: a talk has no checks']);
    expect(issues({ version: 2, steps: [{ id: 'a', title: 'A', minutes: 5 }] })).toEqual([
      'steps.0.checks: a step needs at least one check (a segment without checks is a talk: add "talk: true")',
    ]);
    expect(issues({ version: 2, steps: [{ id: 't', title: 'T', minutes: 5, talk: true }] })).toEqual([
      'steps: a workshop needs at least one step that is not a talk',
    ]);
    expect(issues({ version: 2, steps: [step('a', { block: 'x' }), step('b'), step('c', { block: 'x' })] })).toEqual([
      'steps.2.block: the steps of block "x" must be next to each other',
    ]);
  });

  it('version 2: the agenda keeps talks in order; steps leave them out', () => {
    const parsed = workshopSchema.parse({
      version: 2,
      id: 'w',
      title: 'W',
      steps: [step('a'), { id: 't', title: 'T', minutes: 15, talk: true }, step('b', { optional: true })],
    });
    expect(parsed.steps.map((s) => s.id)).toEqual(['a', 'b']);
    expect(agendaOf(parsed)).toEqual([
      { id: 'a', title: 'a', minutes: 5, kind: 'step' },
      { id: 't', title: 'T', minutes: 15, kind: 'talk' },
      { id: 'b', title: 'b', minutes: 5, kind: 'optional' },
    ]);
  });
});

describe('vars and attendee values', () => {
  const base = {
    version: 2,
    id: 'w',
    title: 'W',
    vars: { php: '8.2' },
    attendeeValues: { password: { label: 'Password', secret: true }, name: { label: 'Name' } },
  };
  const issues = (check: Record<string, unknown>, hint = '') =>
    workshopSchema
      .safeParse({ ...base, steps: [{ id: 's', title: 'S', minutes: 5, hint, checks: [{ id: 'c', title: 'C', ...check }] }] })
      .error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

  it('accepts defined references, secrets where they stay inside the SSH connection', () => {
    expect(issues({ ssh: { run: 'test "${attendee.password}" && php${vars.php} -v' } }, 'php${vars.php} for ${attendee.name}')).toEqual([]);
    expect(issues({ http: { port: 80, headers: { Authorization: 'Bearer ${attendee.password}' } } })).toEqual([]);
  });

  it('refuses undefined references and secrets where they would be shown or sent in the clear', () => {
    expect(issues({ ssh: { run: 'echo ${vars.nope}' } })).toEqual(['steps.0.checks.0.ssh.run: ${vars.nope} is not defined (declare it under "vars")']);
    expect(issues({ http: { port: 80, path: '/${attendee.password}' } })).toEqual([
      'steps.0.checks.0.http.path: ${attendee.password} is secret: use it only in ssh.run, http.headers, http.basicAuth or the grafana credentials',
    ]);
    expect(issues({ ssh: { run: 'true' } }, '${attendee.password}')).toHaveLength(1);
    expect(issues({ ssh: { run: 'php -v', capture: { var: 'other' } } })).toEqual([
      'steps.0.checks.0.ssh.capture.var: capture sets "other", which is not under "vars" (give it a default there)',
    ]);
  });

  it("refuses a secret in an http check from Navigator's side: that request is plain HTTP outside the SSH connection", () => {
    const outside = { port: 3000, path: '/api/user', from: 'navigator' };
    const refusal = 'is secret: this check has "from: navigator", so its request is plain HTTP from Navigator to the VM\'s address, outside the SSH connection';
    const headerIssues = issues({ http: { ...outside, headers: { Authorization: 'Bearer ${attendee.password}' } } });
    expect(headerIssues).toHaveLength(1);
    expect(headerIssues[0]).toContain(`steps.0.checks.0.http.headers.Authorization: \${attendee.password} ${refusal}`);
    const basicAuthIssues = issues({ http: { ...outside, basicAuth: { user: 'admin', password: '${attendee.password}' } } });
    expect(basicAuthIssues).toHaveLength(1);
    expect(basicAuthIssues[0]).toContain(`steps.0.checks.0.http.basicAuth.password: \${attendee.password} ${refusal}`);
    expect(issues({ http: { ...outside, headers: { 'X-Name': '${attendee.name}' }, basicAuth: { user: '${attendee.name}', password: 'x' } } })).toEqual([]);
    expect(issues({ http: { ...outside, from: 'vm', headers: { Authorization: 'Bearer ${attendee.password}' } } })).toEqual([]);
  });

  it('names file › step › check › field when a workshop file sends a secret from Navigator', () => {
    const file = [
      'version: 2',
      'id: w',
      'title: W',
      'attendeeValues: { password: { label: Password, secret: true } }',
      'steps:',
      '  - id: s',
      '    title: S',
      '    minutes: 5',
      '    checks:',
      '      - id: grafana-login',
      '        title: Grafana login',
      '        http: { port: 3000, from: navigator, basicAuth: { user: admin, password: "${attendee.password}" } }',
    ].join('\n');
    expect(() => parseWorkshop(file, 'w.yaml')).toThrow(
      /w\.yaml is not a valid workshop file:\n {2}- step 1 \(s\) › check 1 \(grafana-login\) › http\.basicAuth\.password: \$\{attendee\.password\} is secret: this check has "from: navigator"/,
    );
  });

  it('refuses them in a version 1 file', () => {
    const parsed = workshopSchema.safeParse({
      ...base,
      version: 1,
      steps: [{ id: 's', title: 'S', minutes: 5, checks: [{ id: 'c', title: 'C', http: { port: 80, headers: { a: 'b' } } }] }],
    });
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['vars', 'attendeeValues', 'steps.0.checks.0.http.headers']);
  });
});
