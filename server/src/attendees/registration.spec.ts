import { BadRequestException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { registrationSchema } from './registration.dto';
import { coded } from '../contract/i18n/coded';
import { englishText } from '../contract/i18n/english';
import { formErrors, ZodPipe } from '../common/zod.pipe';

describe('a refused form', () => {
  it('says each field in English and, where the message has one, as a code that renders the same English', () => {
    const result = registrationSchema.safeParse({
      displayName: 'x'.repeat(61),
      host: 'ubuntu@vm1',
      port: '70000',
      sshUser: 'Bad User',
      seat: 'a\u200bb',
      extra: 1,
    });
    expect(result.success).toBe(false);
    const { fields, fieldErrors } = formErrors(result.error!);
    expect(fieldErrors).toEqual({
      displayName: { code: 'form.name_too_long', values: { max: 60 } },
      host: { code: 'form.host_with_user' },
      port: { code: 'form.port_invalid' },
      sshUser: { code: 'form.user_invalid' },
      seat: { code: 'form.text_problem', values: { subject: 'it', problem: 'invisible' } },
      extra: { code: 'form.unexpected_field' },
    });
    for (const [field, why] of Object.entries(fieldErrors)) expect(fields[field], field).toBe(englishText(why));
    expect(fields.displayName).toBe('keep your name to 60 characters');
  });

  it('keeps a message without a code in English only', () => {
    const result = registrationSchema.safeParse({ displayName: 'Ada', host: 'vm1', port: 22, sshUser: 'ada', values: { name: 'x'.repeat(501) } });
    const { fields, fieldErrors } = formErrors(result.error!);
    expect(Object.keys(fields)).toEqual(['values.name']);
    expect(fieldErrors).toEqual({});
  });

  it('answers with the message and fields in English, the error and field errors as codes', () => {
    const pipe = new ZodPipe(registrationSchema, coded('form.fix_fields'));
    let refused: unknown;
    try {
      pipe.transform({ displayName: '', host: 'vm1', port: 22, sshUser: 'ada' });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(BadRequestException);
    expect((refused as BadRequestException).getResponse()).toEqual({
      statusCode: 400,
      message: 'Please fix the highlighted fields.',
      error: { code: 'form.fix_fields' },
      fields: { displayName: 'enter your name as the room should see it' },
      fieldErrors: { displayName: { code: 'form.name_required' } },
    });
  });
});
