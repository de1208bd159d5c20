import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_LOCALE, LOCALES, pickText, type Locale, type LocalizedText } from '../contract/i18n/locales';

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

/**
 * A text for people: one string for every reader, or one per language (`{ en: …, ja: … }`), each within the same
 * limits. A reader whose language a map lacks gets the workshop's default language (`language:`).
 */
function localizedText(text: z.ZodString) {
  const languages = LOCALES.join(', ');
  const perLanguage = z
    .strictObject(Object.fromEntries(LOCALES.map((locale) => [locale, text.optional()])) as Record<Locale, z.ZodOptional<z.ZodString>>, {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `${issue.keys.map((key) => `"${key}"`).join(', ')} ${issue.keys.length === 1 ? 'is not a language' : 'are not languages'} Navigator speaks: use ${languages}`
          : undefined,
    })
    .refine((map) => LOCALES.some((locale) => map[locale] !== undefined), `give the text in at least one language (${languages})`);
  const shape = `{ ${LOCALES.map((l) => `${l}: …`).join(', ')} }`;
  return z
    .union([text, perLanguage], { error: `a text, or one text per language: ${shape}` })
    .describe(`A text for every reader, or one per language: ${shape}.`);
}

/** A path inside the kit's root: relative, with "/" between directories, never leaving the root. */
const kitPath = z
  .string()
  .min(1)
  .max(500)
  .superRefine((text, ctx) => {
    const normal = path.posix.normalize(text.replace(/\/+$/, ''));
    if (path.posix.isAbsolute(text) || /^[A-Za-z]:/.test(text))
      ctx.addIssue({ code: 'custom', message: `"${text}" is absolute: give a path relative to the kit's root` });
    else if (normal === '..' || normal.startsWith('../')) ctx.addIssue({ code: 'custom', message: `"${text}" leaves the kit's root` });
    else if (normal === '.') ctx.addIssue({ code: 'custom', message: "name a directory or file under the kit's root, not the root itself" });
    else if (text.includes('\\')) ctx.addIssue({ code: 'custom', message: `"${text}": separate directories with "/"` });
  });

/** Version 2: the kit attendees download from Navigator (GET /kit/kit.tar.gz) and the artefacts its lock file pins (GET /kit/artefacts/NAME). */
export const kitSchema = z
  .strictObject({
    root: z
      .string()
      .min(1)
      .max(1000)
      .describe(
        'The directory the kit\'s paths are relative to: relative to the workshop file\'s directory, or absolute. Default "..": the directory that holds checks/.',
      )
      .optional(),
    include: z.array(kitPath).min(1).max(20).describe('The directories of the kit, relative to root: each goes into the archive with everything under it.'),
    lock: kitPath.describe('The lock file (NAME SHA256 URL [URL...] a line) naming the artefacts Navigator serves, relative to root.').optional(),
    source: kitPath
      .describe("Where in the archive Navigator writes KIT_MIRROR=<its address>/kit/artefacts, for the kit's setup to download from Navigator first.")
      .optional(),
  })
  .describe('v2: the kit Navigator serves at /kit/ (the archive, and the artefacts of its lock file).');

/** A name usable as `${vars.NAME}` or `${attendee.NAME}`, and as part of a shell variable's name. */
const valueName = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,40}$/, 'a name is letters, digits and "_", starting with a letter (at most 41)');

export const sshCheckSchema = z.strictObject({
  /** Run by `sh` on the VM as the attendee's SSH user. Comes only from the workshop file. */
  run: z.string().min(1).max(4000).describe('Run by sh on the VM as the SSH user; passes on exit 0. ${vars.X} and ${attendee.X} become shell variables.'),
  /** Passes only if stdout also matches this regular expression (multiline). */
  stdout: regex.describe('Also required: stdout matches this regular expression (multiline).').optional(),
  /** Version 2: when the check passes, its output sets this attendee's value of a workshop var (first group of `pattern`, else the trimmed output). */
  capture: z
    .strictObject({ var: valueName, pattern: regex.optional() })
    .describe("v2: a passing check sets this VM's value of a var: the first group of pattern, else the first line of output.")
    .optional(),
  /** Version 2: run with `sudo -n`; a VM where sudo asks for a password reports "this check needs passwordless sudo". */
  sudo: z.boolean().describe('v2: run with sudo -n; a VM where sudo wants a password reports "this check needs passwordless sudo".').optional(),
});

export const metricMatchSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'not a Prometheus metric name'),
  labels: z.record(z.string(), z.string()).optional(),
  /** When set, some matching sample's value must be >= min (every one with `quantifier: all`). */
  min: z.number().optional(),
  /** Version 2: ...and <= max. */
  max: z.number().optional(),
  /** Version 2: passes when there is no matching sample. */
  absent: z.boolean().optional(),
  /** Version 2: whether some (any, the default) or every matching sample must be within min and max. */
  quantifier: z.enum(['any', 'all']).optional(),
});

export const httpCheckSchema = z.strictObject({
  port,
  path: z.string().startsWith('/').max(2000).default('/'),
  status: z.number().int().min(100).max(599).default(200),
  contains: z.string().min(1).max(2000).optional(),
  /** Version 2: the body must not contain this text. */
  notContains: z.string().min(1).max(2000).optional(),
  matches: regex.optional(),
  /** Version 2: `navigator` asks from Navigator's side, to the VM's address (as the attendee's laptop would), not on the VM's localhost. */
  from: z.enum(['vm', 'navigator']).describe("v2: navigator asks from Navigator's side, to the VM's address.").optional(),
  /** The body is Prometheus text exposition format and has a sample of this metric. */
  metric: metricMatchSchema.optional(),
  /** Version 2: request headers; values may use `${attendee.NAME}`, secret ones included. */
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'not an HTTP header name'), z.string().max(1000)).optional(),
  /** Version 2: HTTP basic authentication. */
  basicAuth: z.strictObject({ user: z.string().max(200), password: z.string().max(500) }).optional(),
});

export const comparisonSchema = z.strictObject({
  op: z.enum(['>', '>=', '<', '<=', '==', '!=']),
  value: z.number(),
});

export const promqlCheckSchema = z.strictObject({
  query: z.string().min(1).max(2000),
  /** Without it the check passes when the query returns at least one series. */
  expect: comparisonSchema.optional(),
  /** Version 2: passes when the query returns no series (an alert that must not fire, a target that must be gone). */
  absent: z.boolean().optional(),
  /** Version 2: whether some (any, the default) or every series must meet `expect`. */
  quantifier: z.enum(['any', 'all']).optional(),
});

/** Version 2: a TCP connection from Navigator to the VM's address (a port open in the firewall). */
export const tcpCheckSchema = z.strictObject({ port });

export const grafanaCheckSchema = z.strictObject({
  dashboard: z.string().min(1).max(128),
  /** Panel title, or numeric panel id. */
  panel: z.union([z.string().min(1).max(200), z.number().int().nonnegative()]),
});

const checkFileSchema = z
  .strictObject({
    id: slug,
    title: localizedText(z.string().min(1).max(200)),
    /** Shown to the attendee when the check does not pass. */
    failure: localizedText(z.string().max(2000)).optional(),
    timeoutSeconds: seconds(120).optional(),
    /** Version 2: once passed, it counts as passed for its step (the board still shows its live status). */
    sticky: z.boolean().describe('v2: once passed, counts as passed for its step.').optional(),
    /** Optional in a file: the kind field says it. When given, it must name that field. */
    kind: z.enum(['ssh', 'http', 'promql', 'grafana', 'tcp']).optional(),
    ssh: sshCheckSchema.optional(),
    tcp: tcpCheckSchema.optional(),
    http: httpCheckSchema.optional(),
    promql: promqlCheckSchema.optional(),
    grafana: grafanaCheckSchema.optional(),
  })
  .superRefine((check, ctx) => {
    const kinds = CHECK_KINDS.filter((kind) => check[kind] !== undefined);
    if (kinds.length === 1 && check.kind !== undefined && check.kind !== kinds[0]) {
      ctx.addIssue({ code: 'custom', path: ['kind'], message: `says "${check.kind}" but the check has a "${kinds[0]}" field` });
    }
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0 ? `a check needs exactly one kind: ${CHECK_KINDS.join(', ')}` : `a check has exactly one kind, found ${kinds.join(' and ')}`,
      });
    }
  });

/** In the file a check names its kind by its one kind field (`ssh:`, `http:`…); in memory it also says `kind`, for exhaustive switches. */
export const checkSchema = checkFileSchema.transform((check, ctx): CheckDefinition => {
  const { ssh, http, promql, grafana, tcp, kind: _kind, ...base } = check;
  if (ssh) return { ...base, kind: 'ssh', ssh };
  if (tcp) return { ...base, kind: 'tcp', tcp };
  if (http) return { ...base, kind: 'http', http };
  if (promql) return { ...base, kind: 'promql', promql };
  if (grafana) return { ...base, kind: 'grafana', grafana };
  ctx.addIssue({ code: 'custom', message: 'a check needs exactly one kind' });
  return z.NEVER;
});

const segmentSchema = z
  .strictObject({
    id: slug,
    title: localizedText(z.string().min(1).max(200)),
    minutes: z.number().positive().max(600),
    /** Markdown, rendered safely on the attendee's page. */
    hint: localizedText(z.string().max(20000)).default(''),
    /** Absent only on a talk. */
    checks: z.array(checkSchema).max(30).default([]),
    /** Version 2: once done, the step stays done (every check of it is sticky). */
    sticky: z.boolean().describe('v2: once done, the step stays done.').optional(),
    /** Version 2: shown, never the current step, never stuck, not counted in pace. */
    optional: z.boolean().describe('v2: never the current step, never stuck, not counted in pace.').optional(),
    /** Version 2: a talk on the agenda: minutes, no checks; the clock and pace follow it. */
    talk: z.boolean().describe('v2: a talk on the agenda: minutes, no checks.').optional(),
    /** Version 2: consecutive steps with the same block may be done in any order. */
    block: slug.describe('v2: consecutive steps with the same block may be done in any order.').optional(),
  })
  .superRefine((step, ctx) => {
    if (step.talk) {
      if (step.checks.length > 0) ctx.addIssue({ code: 'custom', path: ['checks'], message: 'a talk has no checks' });
      for (const field of ['sticky', 'optional', 'block'] as const)
        if (step[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `a talk has no "${field}"` });
    } else if (step.checks.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['checks'], message: 'a step needs at least one check (a segment without checks is a talk: add "talk: true")' });
    }
  });

/** A step as the rest of Navigator sees it: talks are only on the agenda. */
export const stepSchema = segmentSchema;

/** Format versions: 1 is the original format (a file without `version` is read as 1); 2 adds the fields marked "version 2". */
export const FORMAT_VERSIONS = [1, 2] as const;

export const workshopFileSchemaBase = z.strictObject({
  version: z
    .union([z.literal(1), z.literal(2)])
    .describe('Format version: 1 (the default) or 2.')
    .optional(),
  id: slug,
  /** The language of the workshop's texts: a reader whose language a text lacks reads this one. Not filled in when absent, so a file's hash stays what it was. */
  language: z
    .enum(LOCALES)
    .describe(`The language a text falls back to when it has none in the reader's language: ${LOCALES.join(' or ')} (default ${DEFAULT_LOCALE}).`)
    .optional(),
  title: localizedText(z.string().min(1).max(200)),
  description: localizedText(z.string().max(5000)).default(''),
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
      prompt: localizedText(z.string().max(2000)).default(''),
      minutes: z.number().positive().max(240).default(10),
      presentationMinutes: z.number().positive().max(60).default(3),
    })
    .default({ prompt: '', minutes: 10, presentationMinutes: 3 }),
  /** Ask each attendee where they sit (a seat, a table), so whoever goes to help finds them; shown in the help queue. */
  seat: z
    .strictObject({
      label: localizedText(z.string().min(1).max(40)).default('Seat or table'),
      required: z.boolean().default(false),
    })
    .optional(),
  /** Version 2: values usable as `${vars.NAME}` in checks and hints; a check's `capture` can set one per attendee. */
  vars: z.record(valueName, z.string().max(500)).optional(),
  /** Version 2: values asked of each attendee at registration (or later on their page), usable as `${attendee.NAME}`. */
  attendeeValues: z
    .record(
      valueName,
      z.strictObject({
        label: localizedText(z.string().min(1).max(200)),
        type: z.enum(['text', 'number']).default('text'),
        /** Never shown to the projector, other attendees, navigators or in exports; redacted from logs and check output. */
        secret: z.boolean().default(false),
        required: z.boolean().default(true),
      }),
    )
    .optional(),
  kit: kitSchema.optional(),
  steps: z.array(segmentSchema).min(1).max(100),
});

const workshopFileSchema = workshopFileSchemaBase.superRefine((workshop, ctx) => {
  const stepIds = new Set<string>();
  const checkIds = new Set<string>();
  const version = workshop.version ?? 1;
  const closedBlocks = new Set<string>();
  workshop.steps.forEach((step, stepIndex) => {
    if (version < 2) {
      for (const field of V2_STEP_FIELDS) if (step[field] !== undefined) ctx.addIssue({ code: 'custom', path: ['steps', stepIndex, field], message: NEEDS_V2 });
      step.checks.forEach((check, checkIndex) => {
        for (const field of V2_CHECK_FIELDS)
          if (check[field] !== undefined) ctx.addIssue({ code: 'custom', path: ['steps', stepIndex, 'checks', checkIndex, field], message: NEEDS_V2 });
      });
    }
    const previousBlock = workshop.steps[stepIndex - 1]?.block;
    if (previousBlock && previousBlock !== step.block) closedBlocks.add(previousBlock);
    if (step.block && closedBlocks.has(step.block))
      ctx.addIssue({ code: 'custom', path: ['steps', stepIndex, 'block'], message: `the steps of block "${step.block}" must be next to each other` });
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
  if (workshop.kit) {
    const included = workshop.kit.include.map((dir) => path.posix.normalize(dir.replace(/\/+$/, '')));
    included.forEach((dir, index) => {
      const other = included.findIndex((another, at) => at !== index && (another === dir ? at < index : dir.startsWith(`${another}/`)));
      if (other !== -1)
        ctx.addIssue({
          code: 'custom',
          path: ['kit', 'include', index],
          message: `"${workshop.kit!.include[index]}" is already in the kit with "${workshop.kit!.include[other]}"`,
        });
    });
  }
  if (version < 2) {
    for (const field of ['vars', 'attendeeValues', 'kit'] as const)
      if (workshop[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: NEEDS_V2 });
    workshop.steps.forEach((step, stepIndex) =>
      step.checks.forEach((check, checkIndex) => {
        for (const path of v2FieldsOf(check)) ctx.addIssue({ code: 'custom', path: ['steps', stepIndex, 'checks', checkIndex, ...path], message: NEEDS_V2 });
      }),
    );
  } else {
    for (const { path, text, secretRefused, kitAllowed } of referencingFields(workshop)) {
      for (const name of kitReferencesIn(text)) {
        if (!(KIT_VALUES as readonly string[]).includes(name))
          ctx.addIssue({
            code: 'custom',
            path,
            message: `\${kit.${name}} is not a kit value: use ${KIT_VALUES.map((known) => `\${kit.${known}}`).join(' or ')}`,
          });
        else if (!kitAllowed) ctx.addIssue({ code: 'custom', path, message: `\${kit.${name}} works only in a hint or a check's failure` });
        else if (!workshop.kit) ctx.addIssue({ code: 'custom', path, message: `\${kit.${name}} needs the kit: add "kit" at the top level` });
      }
      for (const ref of referencesIn(text)) {
        const declared = ref.scope === 'vars' ? workshop.vars?.[ref.name] !== undefined : workshop.attendeeValues?.[ref.name] !== undefined;
        if (!declared)
          ctx.addIssue({
            code: 'custom',
            path,
            message: `\${${ref.scope}.${ref.name}} is not defined (declare it under "${ref.scope === 'vars' ? 'vars' : 'attendeeValues'}")`,
          });
        else if (ref.scope === 'attendee' && workshop.attendeeValues?.[ref.name]?.secret && secretRefused !== null)
          ctx.addIssue({ code: 'custom', path, message: `\${attendee.${ref.name}} is secret: ${secretRefused}` });
      }
    }
    workshop.steps.forEach((step, stepIndex) =>
      step.checks.forEach((check, checkIndex) => {
        const captured = check.kind === 'ssh' ? check.ssh.capture?.var : undefined;
        if (captured !== undefined && workshop.vars?.[captured] === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['steps', stepIndex, 'checks', checkIndex, 'ssh', 'capture', 'var'],
            message: `capture sets "${captured}", which is not under "vars" (give it a default there)`,
          });
      }),
    );
  }
  if (workshop.steps.every((step) => step.talk))
    ctx.addIssue({ code: 'custom', path: ['steps'], message: 'a workshop needs at least one step that is not a talk' });
});

/** `${vars.NAME}` and `${attendee.NAME}` in a string. */
export function referencesIn(text: string): { scope: 'vars' | 'attendee'; name: string }[] {
  return [...text.matchAll(REFERENCE)].map((m) => ({ scope: m[1] as 'vars' | 'attendee', name: m[2] }));
}
export const REFERENCE = /\$\{(vars|attendee)\.([a-zA-Z][a-zA-Z0-9_]*)\}/g;

/**
 * `${kit.archive}`: the absolute URL of the kit's archive on the address the reader reached Navigator at;
 * `${kit.dir}`: the directory the archive unpacks to. Resolved per request, in hints and failures.
 */
export const KIT_VALUES = ['archive', 'dir'] as const;
export type KitLinks = Record<(typeof KIT_VALUES)[number], string>;
const KIT_REFERENCE = /\$\{kit\.([a-zA-Z][a-zA-Z0-9_]*)\}/g;

function kitReferencesIn(text: string): string[] {
  return [...text.matchAll(KIT_REFERENCE)].map((m) => m[1]);
}

interface ReferencingField {
  path: (string | number)[];
  text: string;
  /** Secret attendee values go only where they are sent inside the SSH connection and never shown: null there, else why not. */
  secretRefused: string | null;
  /** `${kit.…}` is resolved where pages show it with the reader's address: hints and failures. */
  kitAllowed: boolean;
}

const SECRETS_ONLY_INSIDE_SSH = 'use it only in ssh.run, http.headers, http.basicAuth or the grafana credentials';
const SECRETS_NOT_FROM_NAVIGATOR =
  'this check has "from: navigator", so its request is plain HTTP from Navigator to the VM\'s address, outside the SSH connection (drop "from: navigator" to send it through the SSH connection, or use a value that is not secret)';

/** Every string of a workshop in which references are replaced, with where it is. */
function referencingFields(workshop: z.infer<typeof workshopFileSchemaBase>): ReferencingField[] {
  const fields: ReferencingField[] = [];
  const add = (path: (string | number)[], text: unknown, secretRefused: string | null = SECRETS_ONLY_INSIDE_SSH, kitAllowed = false) => {
    if (typeof text === 'string') fields.push({ path, text, secretRefused, kitAllowed });
    // A text per language: each one, named by its language.
    else if (typeof text === 'object' && text !== null)
      for (const [locale, each] of Object.entries(text))
        if (typeof each === 'string') fields.push({ path: [...path, locale], text: each, secretRefused, kitAllowed });
  };
  const kitAllowed = true;
  const insideSsh = null;
  for (const key of ['user', 'password', 'token'] as const) add(['grafana', key], workshop.grafana[key], insideSsh);
  workshop.steps.forEach((step, s) => {
    add(['steps', s, 'title'], step.title);
    add(['steps', s, 'hint'], step.hint, SECRETS_ONLY_INSIDE_SSH, kitAllowed);
    step.checks.forEach((check, c) => {
      if (!isParsedCheck(check)) return;
      const at = (...rest: (string | number)[]) => ['steps', s, 'checks', c, ...rest];
      add(at('title'), check.title);
      add(at('failure'), check.failure, SECRETS_ONLY_INSIDE_SSH, kitAllowed);
      switch (check.kind) {
        case 'ssh':
          add(at('ssh', 'run'), check.ssh.run, insideSsh);
          add(at('ssh', 'stdout'), check.ssh.stdout);
          break;
        case 'http': {
          add(at('http', 'path'), check.http.path);
          add(at('http', 'contains'), check.http.contains);
          add(at('http', 'notContains'), check.http.notContains);
          add(at('http', 'matches'), check.http.matches);
          const credentials = check.http.from === 'navigator' ? SECRETS_NOT_FROM_NAVIGATOR : insideSsh;
          for (const [name, value] of Object.entries(check.http.headers ?? {})) add(at('http', 'headers', name), value, credentials);
          add(at('http', 'basicAuth', 'user'), check.http.basicAuth?.user, credentials);
          add(at('http', 'basicAuth', 'password'), check.http.basicAuth?.password, credentials);
          break;
        }
        case 'promql':
          add(at('promql', 'query'), check.promql.query);
          break;
        case 'grafana':
          add(at('grafana', 'dashboard'), check.grafana.dashboard);
          break;
        case 'tcp':
          break;
      }
    });
  });
  return fields;
}

/** Refinements still run over a check that did not parse (it has its own issue): they skip it. */
function isParsedCheck(check: CheckDefinition): boolean {
  return (
    typeof check === 'object' && check !== null && CHECK_KINDS.includes(check.kind) && (check as unknown as Record<string, unknown>)[check.kind] !== undefined
  );
}

/** The version 2 fields a check's kind uses, as paths. */
function v2FieldsOf(check: CheckDefinition): string[][] {
  // A check that did not parse has its own issue already.
  if (!isParsedCheck(check)) return [];
  const given = (kind: string, fields: object, names: string[]) =>
    names.filter((name) => (fields as Record<string, unknown>)[name] !== undefined).map((name) => [kind, name]);
  switch (check.kind) {
    case 'ssh':
      return given('ssh', check.ssh, ['capture', 'sudo']);
    case 'http':
      return [
        ...given('http', check.http, ['headers', 'basicAuth', 'notContains', 'from']),
        ...(check.http.metric ? given('http', check.http.metric, ['max', 'absent', 'quantifier']).map(([, name]) => ['http', 'metric', name]) : []),
      ];
    case 'promql':
      return given('promql', check.promql, ['absent', 'quantifier']);
    case 'grafana':
      return given('grafana', check.grafana, []);
    case 'tcp':
      return [['tcp']];
  }
}

const NEEDS_V2 = 'this field is new in format version 2: add "version: 2" at the top of the file';
const V2_STEP_FIELDS = ['sticky', 'optional', 'talk', 'block'] as const;
const V2_CHECK_FIELDS = ['sticky'] as const;

/** One segment of the agenda: a step (with checks) or a talk. */
export interface AgendaItem {
  id: string;
  title: LocalizedText;
  minutes: number;
  kind: 'step' | 'optional' | 'talk';
}

/**
 * In memory, `steps` are the steps attendees do (talks left out, so everything that walks steps walks checks), and a
 * version 2 file also has `agenda`, every segment in order. A version 1 file's definition is what it always was,
 * so its hash (and the stored revision) does not change.
 */
export const workshopSchema = workshopFileSchema.transform(({ steps, ...workshop }) => {
  const work = steps.filter((step) => !step.talk);
  if ((workshop.version ?? 1) < 2) return { ...workshop, steps: work };
  const agenda: AgendaItem[] = steps.map((step) => ({
    id: step.id,
    title: step.title,
    minutes: step.minutes,
    kind: step.talk ? 'talk' : step.optional ? 'optional' : 'step',
  }));
  return { ...workshop, steps: work, agenda };
});

/** Every segment in order: a version 1 file's agenda is its steps. */
export function agendaOf(workshop: WorkshopDefinition): AgendaItem[] {
  return (
    workshop.agenda ?? workshop.steps.map((step) => ({ id: step.id, title: step.title, minutes: step.minutes, kind: step.optional ? 'optional' : 'step' }))
  );
}

/** Whether a check counts as passed once it has passed: it says so, or its step does. */
export function isSticky(step: StepDefinition, check: CheckDefinition): boolean {
  return step.sticky === true || check.sticky === true;
}

export const CHECK_KINDS = ['ssh', 'http', 'promql', 'grafana', 'tcp'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

export type WorkshopDefinition = z.infer<typeof workshopFileSchema> & { agenda?: AgendaItem[] };
export type StepDefinition = z.infer<typeof stepSchema>;
interface CheckBase {
  id: string;
  title: LocalizedText;
  failure?: LocalizedText;
  timeoutSeconds?: number;
  sticky?: boolean;
}
export type SshCheckDefinition = CheckBase & { kind: 'ssh'; ssh: SshCheck };
export type HttpCheckDefinition = CheckBase & { kind: 'http'; http: HttpCheck };
export type PromqlCheckDefinition = CheckBase & { kind: 'promql'; promql: PromqlCheck };
export type GrafanaCheckDefinition = CheckBase & { kind: 'grafana'; grafana: GrafanaCheck };
export type TcpCheckDefinition = CheckBase & { kind: 'tcp'; tcp: TcpCheck };
/** Adding a kind: its schema and field above, a member here, its evaluator, checks/README.md, tests; the compiler names the rest. */
export type CheckDefinition = SshCheckDefinition | HttpCheckDefinition | PromqlCheckDefinition | GrafanaCheckDefinition | TcpCheckDefinition;
/** A check as written in a workshop file. */
export type CheckFile = z.input<typeof checkSchema>;
export type SshCheck = z.infer<typeof sshCheckSchema>;
export type HttpCheck = z.infer<typeof httpCheckSchema>;
export type PromqlCheck = z.infer<typeof promqlCheckSchema>;
export type GrafanaCheck = z.infer<typeof grafanaCheckSchema>;
export type TcpCheck = z.infer<typeof tcpCheckSchema>;
export type MetricMatch = z.infer<typeof metricMatchSchema>;
export type Comparison = z.infer<typeof comparisonSchema>;

/** Checks Navigator runs from its own side, to the VM's address. */
export const isOutsideCheck = (check: CheckDefinition): boolean => check.kind === 'tcp' || (check.kind === 'http' && check.http.from === 'navigator');

export const isSshCheck = (check: CheckDefinition): check is SshCheckDefinition => check.kind === 'ssh';

/** Ports on the VM's localhost that Navigator forwards to: the authorized_keys line permits exactly these. */
export function forwardedPorts(workshop: WorkshopDefinition): number[] {
  const ports = new Set<number>();
  for (const step of workshop.steps) {
    for (const check of step.checks) {
      switch (check.kind) {
        case 'http':
          if (check.http.from !== 'navigator') ports.add(check.http.port);
          break;
        case 'promql':
          ports.add(workshop.prometheus.port);
          break;
        case 'grafana':
          ports.add(workshop.grafana.port);
          break;
        case 'ssh':
        case 'tcp':
          break;
      }
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/**
 * Hints and failures are shown on pages: only workshop vars go in (secret attendee values are refused by the schema),
 * and with `kit` (the kit's links on the reader's address) `${kit.…}`. Each language's text gets them.
 */
export function substituteVars(workshop: WorkshopDefinition, text: string, kit?: KitLinks | null): string;
export function substituteVars(workshop: WorkshopDefinition, text: LocalizedText, kit?: KitLinks | null): LocalizedText;
export function substituteVars(workshop: WorkshopDefinition, text: LocalizedText, kit: KitLinks | null = null): LocalizedText {
  if ((workshop.version ?? 1) < 2) return text;
  const substitute = (one: string) =>
    one
      .replace(REFERENCE, (whole, scope: string, name: string) => (scope === 'vars' ? (workshop.vars?.[name] ?? whole) : whole))
      .replace(KIT_REFERENCE, (whole, name: string) => (kit && Object.hasOwn(kit, name) ? kit[name as keyof KitLinks] : whole));
  if (typeof text === 'string') return substitute(text);
  return Object.fromEntries(Object.entries(text).map(([locale, one]) => [locale, one === undefined ? one : substitute(one)]));
}

/** The language the workshop's texts fall back to (`language:`, else English). */
export function workshopLanguage(workshop: Pick<WorkshopDefinition, 'language'>): Locale {
  return workshop.language ?? DEFAULT_LOCALE;
}

/** A workshop text as one string: in `locale` when given and the text has it, else in the workshop's language (logs, exports, the CLI). */
export function workshopText(workshop: Pick<WorkshopDefinition, 'language'>, text: LocalizedText, locale?: Locale): string {
  const fallback = workshopLanguage(workshop);
  return pickText(text, locale ?? fallback, fallback);
}

/** A workshop text, where it is in the file ("step 3 (build-bpf) › check 1 (bpf-build-done) › failure"). */
export interface PlacedText {
  where: string;
  text: LocalizedText;
}

/** Every text of a workshop written for people, with where it is in the file: what translators and `navigator validate` walk. */
export function workshopTexts(workshop: WorkshopDefinition): PlacedText[] {
  const texts: PlacedText[] = [];
  const add = (where: string, text: LocalizedText | undefined) => {
    if (text !== undefined) texts.push({ where, text });
  };
  add('title', workshop.title);
  add('description', workshop.description);
  add('discussion.prompt', workshop.discussion.prompt);
  add('seat.label', workshop.seat?.label);
  for (const [name, field] of Object.entries(workshop.attendeeValues ?? {})) add(`attendeeValues.${name}.label`, field.label);
  // Talks live only on the agenda: numbered by their place in the file, as the loader's errors number them.
  const agenda = agendaOf(workshop);
  agenda.forEach((item, index) => {
    const at = `step ${index + 1} (${item.id})`;
    const step = workshop.steps.find((s) => s.id === item.id);
    if (!step) {
      add(`${at} › title`, item.title);
      return;
    }
    add(`${at} › title`, step.title);
    add(`${at} › hint`, step.hint);
    step.checks.forEach((check, c) => {
      add(`${at} › check ${c + 1} (${check.id}) › title`, check.title);
      add(`${at} › check ${c + 1} (${check.id}) › failure`, check.failure);
    });
  });
  return texts;
}

/** The languages a workshop writes in: its default, and every one a text gives. */
export function workshopLanguages(workshop: WorkshopDefinition): Locale[] {
  const used = new Set<Locale>([workshopLanguage(workshop)]);
  for (const { text } of workshopTexts(workshop)) if (typeof text !== 'string') for (const locale of LOCALES) if (text[locale] !== undefined) used.add(locale);
  return LOCALES.filter((locale) => used.has(locale));
}

/** Texts given per language that lack some of the workshop's languages: readers of those get the default language's. */
export function missingTranslations(workshop: WorkshopDefinition): { where: string; missing: Locale[] }[] {
  const languages = workshopLanguages(workshop);
  return workshopTexts(workshop).flatMap(({ where, text }) => {
    if (typeof text === 'string') return [];
    const missing = languages.filter((locale) => text[locale] === undefined);
    return missing.length > 0 ? [{ where, missing }] : [];
  });
}
