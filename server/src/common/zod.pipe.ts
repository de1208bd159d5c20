import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { MessageBody } from '@nestjs/websockets';
import type { z } from 'zod';
import { payloadSchemas, type ClientEvent } from '../contract/events';

/** Field → what is wrong with it, from a zod error: what a form highlights and a script reads. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields[[...issue.path, key].join('.').slice(0, 60)] = 'this field is not expected here';
    } else {
      fields[issue.path.length > 0 ? issue.path.join('.') : 'payload'] ??= issue.message;
    }
  }
  return fields;
}

/** Checks a body or a socket payload against its schema, once, at the edge; what passes is typed all the way in. */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly message = 'The request is not valid.',
  ) {}

  transform(value: unknown): z.infer<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    throw new BadRequestException({ message: this.message, fields: fieldErrors(result.error) });
  }
}

/** A socket event's payload, checked against its schema in the contract. */
export const Payload = (event: ClientEvent) => MessageBody(new ZodPipe(payloadSchemas[event]));
