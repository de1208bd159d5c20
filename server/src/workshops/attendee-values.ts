import type { AttendeeValueField } from '../contract/views';
import { workshopText, type WorkshopDefinition } from './workshop.schema';

export function attendeeValueFields(workshop: WorkshopDefinition): AttendeeValueField[] {
  return Object.entries(workshop.attendeeValues ?? {}).map(([name, field]) => ({ name, ...field }));
}

/**
 * The attendee's values after an update: given ones replace stored ones; a secret left empty keeps what
 * was stored (a page never has it to send back). Errors by field name, in words for the attendee.
 */
export function mergeAttendeeValues(
  workshop: WorkshopDefinition,
  stored: Readonly<Record<string, string>>,
  given: Readonly<Record<string, string>> | undefined,
): { values: Record<string, string>; errors: Record<string, string> } {
  const fields = workshop.attendeeValues ?? {};
  const values: Record<string, string> = {};
  const errors: Record<string, string> = {};
  for (const name of Object.keys(given ?? {})) if (!fields[name]) errors[name] = `this workshop does not ask for "${name}"`;
  for (const [name, { label: text, ...field }] of Object.entries(fields)) {
    const label = workshopText(workshop, text);
    const givenValue = given?.[name]?.trim();
    const value = givenValue === undefined || (givenValue === '' && field.secret) ? (stored[name] ?? '') : givenValue;
    if (value === '') {
      if (field.required) errors[name] = `enter ${label}`;
      continue;
    }
    if (field.type === 'number' && !/^-?\d+(\.\d+)?$/.test(value)) errors[name] = `${label} is a number`;
    // Shorter secrets would be found by chance in logs and check output, where they are redacted.
    else if (field.secret && value.length < 4) errors[name] = `${label}: at least 4 characters`;
    else values[name] = value;
  }
  return { values, errors };
}

/** The attendee's values as their own page may show them: secret ones only as "given". */
export function ownValuesView(workshop: WorkshopDefinition, values: Readonly<Record<string, string>>): Record<string, string | { given: boolean }> {
  return Object.fromEntries(
    Object.entries(workshop.attendeeValues ?? {}).map(([name, field]) => [name, field.secret ? { given: (values[name] ?? '') !== '' } : (values[name] ?? '')]),
  );
}

export function parseValuesJson(json: string): Record<string, string> {
  try {
    const parsed = JSON.parse(json) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch {
    return {};
  }
}
