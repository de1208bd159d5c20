import fs from 'node:fs';
import path from 'node:path';
import type { OpenAPIV3 } from 'openapi-types';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payloadSchemas, type ClientEvent } from '../../server/src/contract/events';
import type { NewHelperView } from '../../server/src/contract/views';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

let navigator: TestNavigator;
const attendees: { token: string; id: string }[] = [];
let helperToken: string;

/**
 * The routes anyone may call, with no cookie or token: sign-in links, the join page, shared reports, health, metrics
 * (guarded by its own token), and the workshop's kit, which attendees' VMs download with curl. Every other route
 * declares its roles; a new public route must be added here on purpose.
 */
const PUBLIC_ROUTES = [
  'GET /a/{token}',
  'GET /h/{token}',
  'GET /auth/navigator',
  'GET /auth/projector',
  'POST /auth/logout',
  'GET /api/join/{code}',
  'POST /api/join/{code}',
  'GET /api/shared/{token}/retrospective',
  'GET /api/shared/{token}/retrospective.html',
  'GET /api/shared/{token}/retrospective.md',
  'GET /health',
  'GET /metrics',
  'GET /kit',
  'GET /kit/kit.tar.gz',
  'GET /kit/artefacts/{name}',
];

/** What a helper may do besides opening the board: read the roster and a timeline, answer hands. Everything else is refused. */
const HELPER_ROUTES = ['GET /api/attendees', 'GET /api/attendees/{id}/timeline'];
const HELPER_EVENTS: ClientEvent[] = ['help:acknowledge', 'help:resolve'];

beforeAll(async () => {
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
  const joinPath = new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');
  for (const name of ['Ada', 'Grace']) {
    const response = await navigator.request('POST', joinPath, {
      body: { displayName: name, host: '127.0.0.1', port: 9, sshUser: `vm${name.toLowerCase()}` },
    });
    const body = response.body as { attendee: { id: string }; personalPath: string };
    attendees.push({ id: body.attendee.id, token: body.personalPath.split('/').pop()! });
  }
  const helper = await navigator.request('POST', '/api/helpers', { token: navigator.navigatorToken, body: { name: 'Sam' } });
  expect(helper.status, JSON.stringify(helper.body)).toBe(201);
  helperToken = (helper.body as NewHelperView).link.split('/').pop()!;
});

afterAll(async () => navigator?.stop());

function connect(view: string, cookie: string): Promise<{ socket: Socket; first: { event: string; payload: unknown } }> {
  return new Promise((resolve, reject) => {
    const socket = io(navigator.url, { path: '/socket.io', auth: { view }, extraHeaders: { cookie }, transports: ['websocket'], reconnection: false });
    const timer = setTimeout(() => reject(new Error('no event within 5 s')), 5000);
    socket.onAny((event: string, payload: unknown) => {
      clearTimeout(timer);
      resolve({ socket, first: { event, payload } });
    });
    socket.on('disconnect', () => {
      clearTimeout(timer);
      resolve({ socket, first: { event: 'disconnect', payload: null } });
    });
  });
}

describe('roles on HTTP routes', () => {
  it('an attendee reads only their own page', async () => {
    const [ada, grace] = attendees;
    const me = await navigator.request('GET', '/api/me', { token: ada.token });
    expect(me.status).toBe(200);
    expect((me.body as { id: string }).id).toBe(ada.id);
    expect((await navigator.request('GET', '/api/me', { token: grace.token })).body).toMatchObject({ id: grace.id });
    for (const route of ['/api/attendees', '/api/workshop/links', '/api/projector/roster', '/api/workshop/join-qr.svg']) {
      expect((await navigator.request('GET', route, { token: ada.token })).status, route).toBe(401);
    }
  });

  it('nothing without credentials, and a forged token is refused', async () => {
    for (const route of ['/api/attendees', '/api/me', '/api/workshop/links']) {
      expect((await navigator.request('GET', route)).status, route).toBe(401);
      expect((await navigator.request('GET', route, { token: 'forged-token-value' })).status, route).toBe(401);
    }
  });

  it('the projector sees names and states but no hostnames, users or keys', async () => {
    const roster = await navigator.request('GET', '/api/projector/roster', { token: navigator.projectorToken });
    expect(roster.status).toBe(200);
    const text = JSON.stringify(roster.body);
    expect(text).toContain('Ada');
    expect(text).not.toMatch(/127\.0\.0\.1|vmada|vmgrace|hostKeyFingerprint|"host"/);
    expect((await navigator.request('GET', '/api/attendees', { token: navigator.projectorToken })).status).toBe(401);
  });

  it('secret links set a cookie and redirect; a wrong one is refused', async () => {
    const good = await navigator.request('GET', `/auth/navigator?token=${navigator.navigatorToken}`);
    expect(good.status).toBe(303);
    expect(good.headers.get('location')).toBe('/board');
    expect((await navigator.request('GET', '/auth/navigator?token=nope')).status).toBe(401);
    expect((await navigator.request('GET', `/a/${attendees[0].token}`)).headers.get('location')).toBe('/me');
  });

  it('the private keys stay on the server with mode 0600 and are never served', async () => {
    const files = fs.readdirSync(navigator.dataDir);
    const keyFile = files.find((f) => f === `attendee-${attendees[0].id}.key`);
    expect(keyFile, `a key file in ${files.join(', ')}`).toBeDefined();
    expect(files.filter((f) => f.startsWith('attendee-') && f.endsWith('.key'))).toHaveLength(attendees.length);
    expect(files.filter((f) => f.startsWith('navigator_ed25519'))).toEqual([]);
    expect(fs.statSync(path.join(navigator.dataDir, keyFile!)).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(navigator.dataDir, 'navigator.secret')).mode & 0o777).toBe(0o600);
    const key = fs.readFileSync(path.join(navigator.dataDir, keyFile!), 'utf8');
    for (const [route, token] of [
      ['/api/me', attendees[0].token],
      ['/api/attendees', navigator.navigatorToken],
      ['/api/workshop/links', navigator.navigatorToken],
    ] as const) {
      const body = JSON.stringify((await navigator.request('GET', route, { token })).body);
      expect(body).not.toContain('PRIVATE KEY');
      expect(body).not.toContain(key.split('\n')[1]);
    }
  });
});

describe('the helper role on every route', () => {
  const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

  /** Every operation that declares roles, from the OpenAPI document (api-docs.test.ts checks it lists exactly what Express serves). */
  async function guardedRoutes(): Promise<{ route: string; method: string; path: string; roles: string[] }[]> {
    const document = (await navigator.request('GET', '/api/docs-json')).body as OpenAPIV3.Document;
    return Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.flatMap((method) => {
        const roles = (item?.[method] as { 'x-navigator-roles'?: string[] } | undefined)?.['x-navigator-roles'];
        return roles ? [{ route: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, roles }] : [];
      }),
    );
  }

  it('declares the helper on exactly the board reads', async () => {
    const routes = await guardedRoutes();
    expect(routes.length).toBeGreaterThan(20);
    expect(
      routes
        .filter((r) => r.roles.includes('helper'))
        .map((r) => r.route)
        .sort(),
    ).toEqual([...HELPER_ROUTES].sort());
  });

  it("a helper's token opens those and is refused (401) everywhere else, with nothing done", async () => {
    const joinCodeBefore = new URL(navigator.joinUrl).pathname;
    for (const { route, method, path } of await guardedRoutes()) {
      const url = path.replace('{id}', attendees[0].id).replace(/\{\w+\}/g, 'x');
      const status = (await navigator.request(method, url, { token: helperToken, body: method === 'GET' || method === 'DELETE' ? undefined : {} })).status;
      if (HELPER_ROUTES.includes(route)) expect(status, route).toBe(200);
      else expect(status, route).toBe(401);
      // The cookie the helper link sets is the same credential.
      if (!HELPER_ROUTES.includes(route) && method === 'GET')
        expect((await navigator.request(method, url, { cookie: `navigator_helper=${helperToken}` })).status, route).toBe(401);
    }
    // Nothing was removed, re-issued, rotated or started.
    const roster = (await navigator.request('GET', '/api/attendees', { token: navigator.navigatorToken })).body as { attendees: { id: string }[] };
    expect(roster.attendees.map((a) => a.id)).toEqual(attendees.map((a) => a.id));
    for (const { token } of attendees) expect((await navigator.request('GET', '/api/me', { token })).status).toBe(200);
    const links = (await navigator.request('GET', '/api/workshop/links', { token: navigator.navigatorToken })).body as { joinUrl: string };
    expect(new URL(links.joinUrl).pathname).toBe(joinCodeBefore);
    expect((await navigator.request('GET', '/api/runs', { token: navigator.navigatorToken })).body).toHaveLength(1);
    expect((await navigator.request('GET', '/api/helpers', { token: navigator.navigatorToken })).body).toMatchObject([{ name: 'Sam', revokedAt: null }]);
  });

  it("the helper's link sets the helper cookie and opens the board; a forged one is refused", async () => {
    const signIn = await navigator.request('GET', `/h/${helperToken}`);
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('location')).toBe('/board');
    expect(signIn.headers.get('set-cookie')).toMatch(new RegExp(`^navigator_helper=${helperToken};.*HttpOnly`));
    expect((await navigator.request('GET', '/api/attendees', { cookie: `navigator_helper=${helperToken}` })).status).toBe(200);
    expect((await navigator.request('GET', '/h/forged-helper-token')).status).toBe(401);
    // A helper's token is not an attendee's, nor the other way round.
    expect((await navigator.request('GET', `/a/${helperToken}`)).status).toBe(401);
    expect((await navigator.request('GET', `/h/${attendees[0].token}`)).status).toBe(401);
  });
});

describe('the routes anyone may call', () => {
  it('are exactly the public ones: every other route declares who may call it', async () => {
    const document = (await navigator.request('GET', '/api/docs-json')).body as OpenAPIV3.Document;
    const open = Object.entries(document.paths).flatMap(([path, item]) =>
      (['get', 'put', 'post', 'delete', 'patch'] as const).flatMap((method) => {
        const operation = item?.[method] as { 'x-navigator-roles'?: string[] } | undefined;
        return operation && !operation['x-navigator-roles'] ? [`${method.toUpperCase()} ${path}`] : [];
      }),
    );
    expect(open.sort()).toEqual([...PUBLIC_ROUTES].sort());
  });

  it("the kit's routes answer without credentials (this workshop has no kit: 404 with the reason, never 401)", async () => {
    for (const route of ['/kit', '/kit/kit.tar.gz', '/kit/artefacts/libbpf-1.5.0.tar.gz']) {
      const response = await navigator.request('GET', route);
      expect(response, route).toMatchObject({ status: 404, body: { error: { code: 'kit.none' } } });
    }
  });
});

describe('roles on socket events', () => {
  it('an attendee cookie cannot open the board or the projector view', async () => {
    const cookie = `navigator_attendee=${attendees[0].token}`;
    for (const view of ['board', 'projector']) {
      const { socket, first } = await connect(view, cookie);
      expect(first.event, view).toBe('disconnect');
      socket.close();
    }
  });

  it('an attendee socket gets only its own snapshot and cannot call navigator events', async () => {
    const { socket, first } = await connect('attendee', `navigator_attendee=${attendees[0].token}`);
    expect(first.event).toBe('self:snapshot');
    expect((first.payload as { id: string }).id).toBe(attendees[0].id);
    expect(JSON.stringify(first.payload)).not.toContain('Grace');
    const reply = await Promise.race([
      socket
        .timeout(1500)
        .emitWithAck('vm:reconnect', { attendeeId: attendees[1].id })
        .then(
          (r: unknown) => ({ answered: r }),
          () => ({ answered: 'no ack' }),
        ),
    ]);
    expect(reply.answered).not.toEqual({ ok: true });
    socket.close();
  });

  it('the projector socket snapshot has no hostnames', async () => {
    const { socket, first } = await connect('projector', `navigator_projector=${navigator.projectorToken}`);
    expect(first.event).toBe('roster:snapshot');
    const text = JSON.stringify(first.payload);
    expect(text).toContain('Grace');
    expect(text).not.toMatch(/127\.0\.0\.1|vmada|vmgrace|"host"/);
    socket.close();
  });

  it('a helper cookie opens the board, not the discussion page, the projector or an attendee page', async () => {
    const cookie = `navigator_helper=${helperToken}`;
    const { socket, first } = await connect('board', cookie);
    expect(first.event).toBe('roster:snapshot');
    socket.close();
    for (const view of ['discussion', 'projector', 'attendee']) {
      const refused = await connect(view, cookie);
      expect(refused.first.event, view).toBe('disconnect');
      refused.socket.close();
    }
  });

  it("a helper's board may answer hands and nothing else: every other event is refused by its roles", async () => {
    const { socket } = await connect('board', `navigator_helper=${helperToken}`);
    for (const event of Object.keys(payloadSchemas) as ClientEvent[]) {
      const reply = (await (socket as Socket).timeout(3000).emitWithAck(event, { id: 0 })) as { ok: boolean; error?: string };
      // Refused by its roles: the guard answers before the payload is even read.
      if (HELPER_EVENTS.includes(event))
        expect(reply, event).toEqual({ ok: false, error: 'that request is already resolved', coded: { code: 'help.already_resolved' } });
      else expect(reply, event).toEqual({ ok: false, error: 'Forbidden resource', coded: { code: 'request.forbidden' } });
    }
    socket.close();
  });

  it('the navigator socket gets the full roster', async () => {
    const { socket, first } = await connect('board', `navigator_navigator=${navigator.navigatorToken}`);
    expect(first.event).toBe('roster:snapshot');
    expect(JSON.stringify(first.payload)).toContain('vmada');
    socket.close();
  });
});
