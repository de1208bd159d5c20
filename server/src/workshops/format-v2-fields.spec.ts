import { describe, expect, it } from 'vitest';
import { workshopSchema } from './workshop.schema';

const NEEDS_V2 = 'this field is new in format version 2: add "version: 2" at the top of the file';

const check = (fields: Record<string, unknown> = { ssh: { run: 'true' } }) => ({ id: 'c', title: 'C', ...fields });
const step = (fields: Record<string, unknown> = {}, checkFields?: Record<string, unknown>) => ({
  id: 's',
  title: 'S',
  minutes: 5,
  checks: [check(checkFields)],
  ...fields,
});
const withCheck = (checkFields: Record<string, unknown>) => ({ steps: [step({}, checkFields)] });
const http = (fields: Record<string, unknown>) => withCheck({ http: { port: 9100, path: '/metrics', ...fields } });
const metric = (fields: Record<string, unknown>) => http({ metric: { name: 'up', ...fields } });
const promql = (fields: Record<string, unknown>) => withCheck({ promql: { query: 'up', expect: { op: '==', value: 1 }, ...fields } });
const inCheck = (...rest: string[]) => ['steps', '0', 'checks', '0', ...rest].join('.');

/** Each version 2 field: a minimal workshop using it, and the path a version 1 file's refusal names. */
const V2_FIELDS: { field: string; workshop: Record<string, unknown>; path: string }[] = [
  { field: 'ssh sudo', workshop: withCheck({ ssh: { run: 'bpftool map list', sudo: true } }), path: inCheck('ssh', 'sudo') },
  {
    field: 'ssh capture',
    workshop: { vars: { php: '8.2' }, ...withCheck({ ssh: { run: 'php -v', capture: { var: 'php', pattern: '^PHP (\\d+\\.\\d+)' } } }) },
    path: inCheck('ssh', 'capture'),
  },
  { field: 'tcp', workshop: withCheck({ tcp: { port: 3000 } }), path: inCheck('tcp') },
  { field: 'http from', workshop: http({ from: 'navigator' }), path: inCheck('http', 'from') },
  { field: 'http notContains', workshop: http({ notContains: 'collector failed' }), path: inCheck('http', 'notContains') },
  { field: 'http headers', workshop: http({ headers: { 'X-Team': 'blue' } }), path: inCheck('http', 'headers') },
  { field: 'http basicAuth', workshop: http({ basicAuth: { user: 'admin', password: 'navigator' } }), path: inCheck('http', 'basicAuth') },
  { field: 'metric max', workshop: metric({ min: 0, max: 0 }), path: inCheck('http', 'metric', 'max') },
  { field: 'metric absent', workshop: metric({ absent: true }), path: inCheck('http', 'metric', 'absent') },
  { field: 'metric quantifier', workshop: metric({ min: 1, quantifier: 'all' }), path: inCheck('http', 'metric', 'quantifier') },
  { field: 'promql absent', workshop: withCheck({ promql: { query: 'ALERTS', absent: true } }), path: inCheck('promql', 'absent') },
  { field: 'promql quantifier', workshop: promql({ quantifier: 'all' }), path: inCheck('promql', 'quantifier') },
  { field: 'check sticky', workshop: withCheck({ ssh: { run: 'true' }, sticky: true }), path: inCheck('sticky') },
  { field: 'step sticky', workshop: { steps: [step({ sticky: true })] }, path: 'steps.0.sticky' },
  {
    field: 'step optional',
    workshop: { steps: [step({ id: 'main' }, { id: 'main-c', title: 'M', ssh: { run: 'true' } }), step({ optional: true })] },
    path: 'steps.1.optional',
  },
  { field: 'talk', workshop: { steps: [{ id: 'intro', title: 'Intro', minutes: 10, talk: true }, step()] }, path: 'steps.0.talk' },
  { field: 'block', workshop: { steps: [step({ block: 'exporters' })] }, path: 'steps.0.block' },
  { field: 'vars', workshop: { vars: { php: '8.2' }, ...withCheck({ ssh: { run: 'php${vars.php} -v' } }) }, path: 'vars' },
  { field: 'attendee value type', workshop: { attendeeValues: { port: { label: 'Port', type: 'number' } }, steps: [step()] }, path: 'attendeeValues' },
  { field: 'attendee value required', workshop: { attendeeValues: { team: { label: 'Team', required: false } }, steps: [step()] }, path: 'attendeeValues' },
];

const parse = (workshop: Record<string, unknown>, version?: 1 | 2) =>
  workshopSchema.safeParse({ ...(version === undefined ? {} : { version }), id: 'w', title: 'W', ...workshop });
const issues = (result: ReturnType<typeof parse>) => result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];

describe('format version 2 fields', () => {
  it.each(V2_FIELDS)('$field: a version 2 file using it parses', ({ workshop }) => {
    expect(issues(parse(workshop, 2))).toEqual([]);
  });

  it.each(V2_FIELDS)('$field: a version 1 file (no version) using it is refused, naming $path', ({ workshop, path }) => {
    const refused = issues(parse(workshop));
    expect(refused).toContain(`${path}: ${NEEDS_V2}`);
    // Nothing else is wrong with the file: every refusal is a version 2 field.
    expect(refused.filter((issue) => !issue.endsWith(NEEDS_V2))).toEqual([]);
    expect(issues(parse(workshop, 1))).toEqual(refused);
  });

  it('the same files without the field parse as version 1', () => {
    expect(issues(parse({ steps: [step()] }))).toEqual([]);
    expect(issues(parse(http({})))).toEqual([]);
    expect(issues(parse(metric({ min: 1 })))).toEqual([]);
    expect(issues(parse(promql({})))).toEqual([]);
  });

  it('seat (#20) is no version 2 field: it works in either version', () => {
    const seat = { seat: { label: 'Table', required: true }, steps: [step()] };
    expect(issues(parse(seat))).toEqual([]);
    expect(issues(parse(seat, 2))).toEqual([]);
    expect(parse(seat).data?.seat).toEqual({ label: 'Table', required: true });
  });
});
