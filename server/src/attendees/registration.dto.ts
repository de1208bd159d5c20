import { isIP } from 'node:net';
import { z } from 'zod';
import { humanTextProblem, isReservedName, normalizeHumanText } from '../common/human-text';

// eslint-disable-next-line no-control-regex -- rejecting control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

export function isDnsName(value: string): boolean {
  if (value.length > 253) return false;
  const labels = value.replace(/\.$/, '').split('.');
  return labels.length > 0 && labels.every((label) => DNS_LABEL.test(label)) && !/^\d+$/.test(labels[labels.length - 1]);
}

/** Accepts `[2001:db8::1]` as well as `2001:db8::1`; stores the bare literal. */
export function normalizeHost(value: string): string {
  const trimmed = value.trim();
  const bracketed = /^\[(.+)\]$/.exec(trimmed);
  return (bracketed ? bracketed[1] : trimmed).toLowerCase();
}

export const registrationSchema = z.strictObject({
  displayName: z
    .string({ message: 'enter your name as the room should see it' })
    .trim()
    .min(1, 'enter your name as the room should see it')
    .max(60, 'keep your name to 60 characters')
    .refine((name) => !CONTROL_CHARS.test(name), 'your name contains control characters')
    .superRefine((name, context) => {
      const problem = humanTextProblem(name);
      if (problem) context.addIssue({ code: 'custom', message: `your name ${problem}` });
      else if (isReservedName(name)) context.addIssue({ code: 'custom', message: 'that name is reserved for the navigator; use your own' });
    })
    .transform(normalizeHumanText),
  host: z
    .string({ message: "enter your VM's address" })
    .max(255, 'the address is longer than any DNS name (253 characters)')
    .transform(normalizeHost)
    .refine((host) => host.length > 0, "enter your VM's address")
    .refine((host) => !host.includes('@'), 'enter the address alone: the part before "@" goes in the SSH user field')
    .refine((host) => isIP(host) !== 0 || isDnsName(host), 'use a DNS name (vm1.example.org), an IPv4 address (203.0.113.7) or an IPv6 address (2001:db8::7)'),
  port: z
    .union(
      [
        z.number(),
        z
          .string()
          .trim()
          .regex(/^\d{1,5}$/, 'the SSH port is a number from 1 to 65535')
          .transform(Number),
      ],
      {
        message: 'the SSH port is a number from 1 to 65535',
      },
    )
    .pipe(
      z
        .number()
        .int('the SSH port is a whole number')
        .min(1, 'the SSH port is a number from 1 to 65535')
        .max(65535, 'the SSH port is a number from 1 to 65535'),
    ),
  sshUser: z
    .string({ message: 'enter the user you log in as (often ubuntu or debian)' })
    .trim()
    .regex(/^[a-z_][a-z0-9_.-]{0,31}$/, 'a login name has lowercase letters, digits, "_", "-" or "." and starts with a letter or "_" (at most 32)'),
  /** Where the attendee sits, when the workshop asks (`seat:`); required or not is the service's to check. */
  seat: z
    .string()
    .trim()
    .max(40, 'keep it to 40 characters')
    .refine((seat) => !CONTROL_CHARS.test(seat), 'it contains control characters')
    .superRefine((seat, context) => {
      const problem = humanTextProblem(seat);
      if (problem) context.addIssue({ code: 'custom', message: `it ${problem}` });
    })
    .transform(normalizeHumanText)
    .optional(),
  /** The workshop's `attendeeValues` (format version 2), by name; checked against the workshop by the service. */
  values: z.record(z.string().max(64), z.string().max(500)).optional(),
});

export type Registration = z.infer<typeof registrationSchema>;
