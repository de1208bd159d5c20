import { ApiBody } from '@nestjs/swagger';
import { z } from 'zod';

/** A zod schema as an OpenAPI 3.0 schema: what the request must look like before any transform. */
export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', unrepresentable: 'any' }) as Record<string, unknown>;
  return json;
}

/** Documents a route's JSON body from the zod schema that validates it: one source of truth. */
export const ZodBody = (schema: z.ZodType, description?: string) => ApiBody({ schema: openApiSchema(schema), description, required: true });
