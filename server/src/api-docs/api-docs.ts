import fs from 'node:fs';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ROLE_COOKIES } from '../auth/principal';

export const API_DOCS_PATH = 'api/docs';

function packageVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** The OpenAPI document, generated from the controllers; request bodies come from their zod schemas. */
export function apiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Navigator')
    .setDescription(
      [
        "Navigator's HTTP API. Scripts authenticate with `Authorization: Bearer <token>`: the navigator's secret",
        '(`data/navigator.secret`, or `npm run links`) for everything, the projector token for the read-only board,',
        "a helper's token for the roster and timelines the board reads, an attendee's personal token for their own routes. Browsers use the cookies the sign-in links set.",
        'Each operation lists the roles that may call it in `x-navigator-roles`; routes without it are public.',
      ].join(' '),
    )
    .setVersion(packageVersion())
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: "The navigator secret, the projector token, a helper's token or an attendee's personal token" },
      'bearer',
    )
    .addCookieAuth(ROLE_COOKIES.navigator, { type: 'apiKey', in: 'cookie', name: ROLE_COOKIES.navigator }, 'navigator-cookie')
    .addCookieAuth(ROLE_COOKIES.helper, { type: 'apiKey', in: 'cookie', name: ROLE_COOKIES.helper }, 'helper-cookie')
    .addCookieAuth(ROLE_COOKIES.projector, { type: 'apiKey', in: 'cookie', name: ROLE_COOKIES.projector }, 'projector-cookie')
    .addCookieAuth(ROLE_COOKIES.attendee, { type: 'apiKey', in: 'cookie', name: ROLE_COOKIES.attendee }, 'attendee-cookie')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Swagger UI at /api/docs, the document at /api/docs-json (and -yaml). Public: it holds no secrets. */
export function serveApiDocs(app: INestApplication): void {
  let document: OpenAPIObject | null = null;
  SwaggerModule.setup(API_DOCS_PATH, app, () => (document ??= apiDocument(app)), {
    jsonDocumentUrl: `${API_DOCS_PATH}-json`,
    yamlDocumentUrl: `${API_DOCS_PATH}-yaml`,
    customSiteTitle: 'Navigator API',
  });
}
