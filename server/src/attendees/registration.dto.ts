import { isIP } from 'node:net';
import { z } from 'zod';
import { formIssue, formMessage } from '../common/form-messages';
import { humanTextIssue, isReservedName, normalizeHumanText } from '../common/human-text';
import { isDnsName } from '../common/dns-name';

// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
/** Accepts `[2001:db8::1]` as well as `2001:db8::1`; stores the bare literal. */
export function normalizeHost(value: string): string {
  const trimmed = value.trim();
  const bracketed = /^\[(.+)\]$/.exec(trimmed);
  return (bracketed ? bracketed[1] : trimmed).toLowerCase();
}

export const registrationSchema = z.strictObject({
  displayName: z
    .string({ message: formMessage('form.name_required') })
    .trim()
    .min(1, formMessage('form.name_required'))
    .max(60, formMessage('form.name_too_long', { max: 60 }))
    .refine((name) => !CONTROL_CHARS.test(name), formMessage('form.name_control'))
    .superRefine((name, context) => {
      const problem = humanTextIssue(name);
      if (problem) context.addIssue({ code: 'custom', ...formIssue('form.text_problem', { subject: 'name', problem }) });
      else if (isReservedName(name)) context.addIssue({ code: 'custom', ...formIssue('form.name_reserved') });
    })
    .transform(normalizeHumanText),
  host: z
    .string({ message: formMessage('form.host_required') })
    .max(255, formMessage('form.host_too_long'))
    .transform(normalizeHost)
    .refine((host) => host.length > 0, formMessage('form.host_required'))
    .refine((host) => !host.includes('@'), formMessage('form.host_with_user'))
    .refine((host) => isIP(host) !== 0 || isDnsName(host), formMessage('form.host_invalid')),
  port: z
    .union(
      [
        z.number(),
        z
          .string()
          .trim()
          .regex(/^\d{1,5}$/, formMessage('form.port_invalid'))
          .transform(Number),
      ],
      {
        message: formMessage('form.port_invalid'),
      },
    )
    .pipe(z.number().int(formMessage('form.port_whole')).min(1, formMessage('form.port_invalid')).max(65535, formMessage('form.port_invalid'))),
  /**
   * How Navigator reaches the VM: direct (it dials host:port, the default) or tunnel (the VM is behind NAT and opens
   * `ssh -R` to Navigator; host:port is then where the VM's own ssh finds its sshd, localhost:22 as a rule). Absent: direct.
   */
  vmAccess: z.enum(['direct', 'tunnel'], { message: formMessage('form.vm_access_invalid') }).optional(),
  sshUser: z
    .string({ message: formMessage('form.user_required') })
    .trim()
    .regex(/^[a-z_][a-z0-9_.-]{0,31}$/, formMessage('form.user_invalid')),
  /** Where the attendee sits, when the workshop asks (`seat:`); required or not is the service's to check. */
  seat: z
    .string()
    .trim()
    .max(40, formMessage('form.too_long', { max: 40 }))
    .refine((seat) => !CONTROL_CHARS.test(seat), formMessage('form.control_chars'))
    .superRefine((seat, context) => {
      const problem = humanTextIssue(seat);
      if (problem) context.addIssue({ code: 'custom', ...formIssue('form.text_problem', { subject: 'it', problem }) });
    })
    .transform(normalizeHumanText)
    .optional(),
  /** The workshop's `attendeeValues` (format version 2), by name; checked against the workshop by the service. */
  values: z.record(z.string().max(64), z.string().max(500)).optional(),
});

export type Registration = z.infer<typeof registrationSchema>;
