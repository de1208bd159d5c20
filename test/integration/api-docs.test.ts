import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiSchema } from '../../server/src/api-docs/zod-openapi';
import { registrationSchema } from '../../server/src/attendees/registration.dto';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

/** The OpenAPI document a script author reads: valid, complete, and true about authentication. */
let navigator: TestNavigator;
let document: OpenAPIV3.Document;

beforeAll(async () => {
  navigator = await startTestNavigator();
  const response = await navigator.request('GET', '/api/docs-json');
  expect(response.status).toBe(200);
  document = response.body as OpenAPIV3.Document;
});

afterAll(async () => {
  await navigator?.stop();
});

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Every route the running server answers, read from Express' router: the ground truth. */
function servedRoutes(): string[] {
  const express = navigator.app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } };
  return (
    express.router.stack
      // Catch-alls (`{/*splat}`) are Express' and Nest's not-found handlers, not routes.
      .filter((layer) => layer.route && !layer.route.path.includes('*'))
      .flatMap((layer) =>
        Object.keys(layer.route!.methods)
          .filter((method) => (METHODS as readonly string[]).includes(method))
          .map((method) => `${method.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`),
      )
      .filter((route) => !/ \/api\/docs/.test(route))
  );
}

function documentedRoutes(): string[] {
  return Object.entries(document.paths).flatMap(([route, item]) => METHODS.filter((m) => item?.[m]).map((m) => `${m.toUpperCase()} ${route}`));
}

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3 document', async () => {
    expect(document.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeTruthy();
  });

  it('lists every route the server serves, and no other', () => {
    const served = servedRoutes().sort();
    expect(served.length).toBeGreaterThan(15);
    expect(documentedRoutes().sort()).toEqual(served);
  });

  it('describes request bodies from the zod schemas that validate them', () => {
    const register = document.paths['/api/join/{code}']!.post!;
    const body = (register.requestBody as OpenAPIV3.RequestBodyObject).content['application/json'].schema as OpenAPIV3.SchemaObject;
    expect(body).toEqual(openApiSchema(registrationSchema));
    expect(body).toMatchObject({ type: 'object', required: ['displayName', 'host', 'port', 'sshUser'], additionalProperties: false });
    expect(body.properties!.displayName).toMatchObject({ type: 'string', maxLength: 60 });
    expect((document.paths['/api/me/vm']!.put!.requestBody as OpenAPIV3.RequestBodyObject).content['application/json'].schema).toEqual(body);
  });

  it('says who may call each route; the public ones need nothing', () => {
    for (const [route, item] of Object.entries(document.paths)) {
      for (const method of METHODS) {
        const operation = item?.[method] as (OpenAPIV3.OperationObject & { 'x-navigator-roles'?: string[] }) | undefined;
        if (!operation) continue;
        const roles = operation['x-navigator-roles'];
        if (!roles) continue;
        expect(operation.security, `${method} ${route}`).toEqual(expect.arrayContaining([{ bearer: [] }, ...roles.map((r) => ({ [`${r}-cookie`]: [] }))]));
      }
    }
    expect(document.paths['/api/attendees']!.get!).toMatchObject({ 'x-navigator-roles': ['navigator', 'helper'] });
    expect(document.paths['/api/helpers']!.get!).toMatchObject({ 'x-navigator-roles': ['navigator'] });
    expect(document.components!.securitySchemes!['helper-cookie']).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'navigator_helper' });
    expect(document.paths['/api/join/{code}']!.post!.security).toBeUndefined();
    expect(document.components!.securitySchemes!.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it("the navigator's token works as a bearer token for scripts, and only for what it may do", async () => {
    expect((await navigator.request('GET', '/api/attendees', { token: navigator.navigatorToken })).status).toBe(200);
    expect((await navigator.request('GET', '/api/export/progress.csv', { token: navigator.navigatorToken })).status).toBe(200);
    expect((await navigator.request('GET', '/api/attendees')).status).toBe(401);
    expect((await navigator.request('GET', '/api/attendees', { token: navigator.projectorToken })).status).toBe(401);
    expect((await navigator.request('GET', '/api/projector/roster', { token: navigator.projectorToken })).status).toBe(200);
  });

  it('serves Swagger UI at /api/docs from the installed package (no CDN)', async () => {
    const page = await fetch(`${navigator.url}/api/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('swagger-ui');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});
