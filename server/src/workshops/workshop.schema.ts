import { z } from 'zod';

/**
 * The workshop file format (checks/*.yaml). checks/README.md documents it for authors;
 * keep the two in step.
 */

const slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lowercase letters, digits and dashes (e.g. "build-bpf")');

const port = z.number().int().min(1).max(65535);
const seconds = (max: number) => z.number().positive().max(max);

/** A regular expression given as a string; validated here so a bad pattern fails at load, not mid-workshop. */
const regex = z
  .string()
  .min(1)
  .max(500)
  .superRefine((source, ctx) => {
    try {
      new RegExp(source, 'm');
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` });
    }
  });

export const sshCheckSchema = z.strictObject({
  /** Run by `sh` on the VM as the attendee's SSH user. Comes only from the workshop file. */
  run: z.string().min(1).max(4000),
  /** Passes only if stdout also matches this regular expression (multiline). */
  stdout: regex.optional(),
});

export const metricMatchSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'not a Prometheus metric name'),
  labels: z.record(z.string(), z.string()).optional(),
  /** When set, some matching sample's value must be >= min. */
  min: z.number().optional(),
});

export const httpCheckSchema = z.strictObject({
  port,
  path: z.string().startsWith('/').max(2000).default('/'),
  status: z.number().int().min(100).max(599).default(200),
  contains: z.string().min(1).max(2000).optional(),
  matches: regex.optional(),
  /** The body is Prometheus text exposition format and has a sample of this metric. */
  metric: metricMatchSchema.optional(),
});

export const comparisonSchema = z.strictObject({
  op: z.enum(['>', '>=', '<', '<=', '==', '!=']),
  value: z.number(),
});

export const promqlCheckSchema = z.strictObject({
  query: z.string().min(1).max(2000),
  /** Without it the check passes when the query returns at least one series. */
  expect: comparisonSchema.optional(),
});

export const grafanaCheckSchema = z.strictObject({
  dashboard: z.string().min(1).max(128),
  /** Panel title, or numeric panel id. */
  panel: z.union([z.string().min(1).max(200), z.number().int().nonnegative()]),
});

export const checkSchema = z
  .strictObject({
    id: slug,
    title: z.string().min(1).max(200),
    /** Shown to the attendee when the check does not pass. */
    failure: z.string().max(2000).optional(),
    timeoutSeconds: seconds(120).optional(),
    ssh: sshCheckSchema.optional(),
    http: httpCheckSchema.optional(),
    promql: promqlCheckSchema.optional(),
    grafana: grafanaCheckSchema.optional(),
  })
  .superRefine((check, ctx) => {
    const kinds = CHECK_KINDS.filter((kind) => check[kind] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0 ? `a check needs exactly one kind: ${CHECK_KINDS.join(', ')}` : `a check has exactly one kind, found ${kinds.join(' and ')}`,
      });
    }
  });

export const stepSchema = z.strictObject({
  id: slug,
  title: z.string().min(1).max(200),
  minutes: z.number().positive().max(600),
  /** Markdown, rendered safely on the attendee's page. */
  hint: z.string().max(20000).default(''),
  checks: z.array(checkSchema).min(1).max(30),
});

export const workshopSchema = z
  .strictObject({
    id: slug,
    title: z.string().min(1).max(200),
    description: z.string().max(5000).default(''),
    ssh: z.strictObject({ user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'not a POSIX login name') }).default({ user: 'ubuntu' }),
    probe: z
      .strictObject({
        intervalSeconds: seconds(300).default(5),
        checkTimeoutSeconds: seconds(120).default(10),
      })
      .default({ intervalSeconds: 5, checkTimeoutSeconds: 10 }),
    prometheus: z.strictObject({ port: port.default(9090) }).default({ port: 9090 }),
    grafana: z
      .strictObject({
        port: port.default(3000),
        user: z.string().max(200).optional(),
        password: z.string().max(200).optional(),
        token: z.string().max(500).optional(),
      })
      .default({ port: 3000 }),
    discussion: z
      .strictObject({
        prompt: z.string().max(2000).default(''),
        minutes: z.number().positive().max(240).default(10),
        presentationMinutes: z.number().positive().max(60).default(3),
      })
      .default({ prompt: '', minutes: 10, presentationMinutes: 3 }),
    steps: z.array(stepSchema).min(1).max(100),
  })
  .superRefine((workshop, ctx) => {
    const stepIds = new Set<string>();
    const checkIds = new Set<string>();
    workshop.steps.forEach((step, stepIndex) => {
      if (stepIds.has(step.id)) {
        ctx.addIssue({ code: 'custom', path: ['steps', stepIndex, 'id'], message: `duplicate step id "${step.id}"` });
      }
      stepIds.add(step.id);
      step.checks.forEach((check, checkIndex) => {
        if (checkIds.has(check.id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['steps', stepIndex, 'checks', checkIndex, 'id'],
            message: `duplicate check id "${check.id}" (check ids are unique across the workshop)`,
          });
        }
        checkIds.add(check.id);
      });
    });
  });

export const CHECK_KINDS = ['ssh', 'http', 'promql', 'grafana'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

export type WorkshopDefinition = z.infer<typeof workshopSchema>;
export type StepDefinition = z.infer<typeof stepSchema>;
export type CheckDefinition = z.infer<typeof checkSchema>;
export type SshCheck = z.infer<typeof sshCheckSchema>;
export type HttpCheck = z.infer<typeof httpCheckSchema>;
export type PromqlCheck = z.infer<typeof promqlCheckSchema>;
export type GrafanaCheck = z.infer<typeof grafanaCheckSchema>;
export type MetricMatch = z.infer<typeof metricMatchSchema>;
export type Comparison = z.infer<typeof comparisonSchema>;

export function checkKind(check: CheckDefinition): CheckKind {
  const kind = CHECK_KINDS.find((k) => check[k] !== undefined);
  if (!kind) throw new Error(`check ${check.id} has no kind`);
  return kind;
}

/** Ports on the VM's localhost that Navigator forwards to: the authorized_keys line permits exactly these. */
export function forwardedPorts(workshop: WorkshopDefinition): number[] {
  const ports = new Set<number>();
  for (const step of workshop.steps) {
    for (const check of step.checks) {
      if (check.http) ports.add(check.http.port);
      if (check.promql) ports.add(workshop.prometheus.port);
      if (check.grafana) ports.add(workshop.grafana.port);
    }
  }
  return [...ports].sort((a, b) => a - b);
}
