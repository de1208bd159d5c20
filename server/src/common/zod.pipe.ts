import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { MessageBody } from '@nestjs/websockets';
import type { z } from 'zod';
import { payloadSchemas, type ClientEvent } from '../contract/events';
import { coded, type Coded } from '../contract/i18n/coded';
import { codedErrorBody } from './coded-http';
import { issueCode } from './form-messages';

/**
 * Field → what is wrong with it, from a zod error: what a form highlights and a script reads. `fields`
 * in English (every field), `fieldErrors` as codes (the fields whose message has one: formMessage).
 */
export function formErrors(error: z.ZodError): { fields: Record<string, string>; fieldErrors: Record<string, Coded> } {
  const fields: Record<string, string> = {};
  const fieldErrors: Record<string, Coded> = {};
  const note = (field: string, message: string, code: Coded | null) => {
    if (field in fields) return;
    fields[field] = message;
    if (code) fieldErrors[field] = code;
  };
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) note([...issue.path, key].join('.').slice(0, 60), 'this field is not expected here', issueCode(issue));
    } else {
      note(issue.path.length > 0 ? issue.path.join('.') : 'payload', issue.message, issueCode(issue));
    }
  }
  return { fields, fieldErrors };
}

/** Field → what is wrong with it, in English. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  return formErrors(error).fields;
}

/** Checks a body or a socket payload against its schema, once, at the edge; what passes is typed all the way in. */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly message: Coded = coded('form.invalid'),
  ) {}

  transform(value: unknown): z.infer<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const { fields, fieldErrors } = formErrors(result.error);
    throw new BadRequestException({ ...codedErrorBody(400, this.message, fieldErrors), fields });
  }
}

/** A socket event's payload, checked against its schema in the contract. */
export const Payload = (event: ClientEvent) => MessageBody(new ZodPipe(payloadSchemas[event]));
