import { describe, expect, it } from 'vitest';
import { englishText } from '../contract/i18n/english';
import { attendeeValueFields, mergeAttendeeValues, ownValuesView } from './attendee-values';
import { substituteVars, workshopSchema } from './workshop.schema';

const workshop = workshopSchema.parse({
  version: 2,
  id: 'w',
  title: 'W',
  vars: { php: '8.2' },
  attendeeValues: { password: { label: 'Your Grafana password', secret: true }, port: { label: 'Port', type: 'number', required: false } },
  steps: [{ id: 's', title: 'S', minutes: 5, hint: 'php${vars.php}', checks: [{ id: 'c', title: 'C', ssh: { run: 'true' } }] }],
});

describe('attendee values', () => {
  it('lists the fields a page asks for', () => {
    expect(attendeeValueFields(workshop)).toEqual([
      { name: 'password', label: 'Your Grafana password', type: 'text', secret: true, required: true },
      { name: 'port', label: 'Port', type: 'number', secret: false, required: false },
    ]);
  });

  it('checks what is given: required, numbers, secrets long enough, nothing undeclared', () => {
    expect(mergeAttendeeValues(workshop, {}, { password: 'hunter22', port: '3000' })).toEqual({ values: { password: 'hunter22', port: '3000' }, errors: {} });
    const errors = mergeAttendeeValues(workshop, {}, { port: 'x', other: 'y' }).errors;
    expect(errors).toEqual({
      other: { code: 'form.value_unknown', values: { name: 'other' } },
      password: { code: 'form.value_required', values: { label: 'Your Grafana password' } },
      port: { code: 'form.value_number', values: { label: 'Port' } },
    });
    expect(Object.values(errors).map(englishText)).toEqual(['this workshop does not ask for "other"', 'enter Your Grafana password', 'Port is a number']);
    const short = mergeAttendeeValues(workshop, {}, { password: 'abc' }).errors;
    expect(short).toEqual({ password: { code: 'form.value_short_secret', values: { label: 'Your Grafana password', min: 4 } } });
    expect(englishText(short.password)).toBe('Your Grafana password: at least 4 characters');
  });

  it('keeps a stored secret when the page sends it empty (it never has it)', () => {
    expect(mergeAttendeeValues(workshop, { password: 'hunter22' }, { password: '', port: '' }).values).toEqual({ password: 'hunter22' });
  });

  it('shows the attendee a secret only as given or not', () => {
    expect(ownValuesView(workshop, { password: 'hunter22', port: '1' })).toEqual({ password: { given: true }, port: '1' });
  });

  it('puts workshop vars in hints', () => {
    expect(substituteVars(workshop, workshop.steps[0].hint)).toBe('php8.2');
  });
});
