import { coded, type Coded } from '../contract/i18n/coded';
import type { AttendeeValueField } from '../contract/views';
import { workshopText, type WorkshopDefinition } from './workshop.schema';

export function attendeeValueFields(workshop: WorkshopDefinition): AttendeeValueField[] {
  return Object.entries(workshop.attendeeValues ?? {}).map(([name, field]) => ({ name, ...field }));
}

/**
 * The attendee's values after an update: given ones replace stored ones; a secret left empty keeps what
 * was stored (a page never has it to send back). Errors by field name, as codes for the attendee.
 */
const SECRET_MIN_CHARS = 4;

export function mergeAttendeeValues(
  workshop: WorkshopDefinition,
  stored: Readonly<Record<string, string>>,
  given: Readonly<Record<string, string>> | undefined,
): { values: Record<string, string>; errors: Record<string, Coded> } {
  const fields = workshop.attendeeValues ?? {};
  const values: Record<string, string> = {};
  const errors: Record<string, Coded> = {};
  for (const name of Object.keys(given ?? {})) if (!fields[name]) errors[name] = coded('form.value_unknown', { name });
  for (const [name, { label: text, ...field }] of Object.entries(fields)) {
    const label = workshopText(workshop, text);
    const givenValue = given?.[name]?.trim();
    const value = givenValue === undefined || (givenValue === '' && field.secret) ? (stored[name] ?? '') : givenValue;
    if (value === '') {
      if (field.required) errors[name] = coded('form.value_required', { label });
      continue;
    }
    if (field.type === 'number' && !/^-?\d+(\.\d+)?$/.test(value)) errors[name] = coded('form.value_number', { label });
    // Shorter secrets would be found by chance in logs and check output, where they are redacted.
    else if (field.secret && value.length < SECRET_MIN_CHARS) errors[name] = coded('form.value_short_secret', { label, min: SECRET_MIN_CHARS });
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
