/**
 * The web edge, attacked as a hostile page or client would: cross-site websocket hijacking (item 4),
 * CSRF through a form post (item 9) and a public /metrics (item 13), against the real server.
 */
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

let navigator: TestNavigator;
const METRICS_TOKEN = 'a-metrics-token-long-enough';

beforeAll(async () => {
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true', NAVIGATOR_ALLOWED_ORIGINS: 'https://board.example.org' });
});

afterAll(async () => {
  await navigator?.stop();
});

const joinPath = () => new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');
const attendeeCount = async () =>
  ((await navigator.request('GET', '/api/attendees', { token: navigator.navigatorToken })).body as { attendees: unknown[] }).attendees.length;

/** A board socket with the navigator's cookie, from a page at `origin`: what it receives first. */
async function boardFrom(origin: string | undefined): Promise<string> {
  const socket = io(navigator.url, {
    path: '/socket.io',
    auth: { view: 'board' },
    extraHeaders: { cookie: `navigator_navigator=${navigator.navigatorToken}`, ...(origin ? { origin } : {}) },
    transports: ['websocket'],
    reconnection: false,
  });
  try {
    return await new Promise<string>((resolve) => {
      socket.on('roster:snapshot', () => resolve('roster:snapshot'));
      socket.on('connect_error', (error) => resolve(`refused: ${error.message}`));
    });
  } finally {
    socket.close();
  }
}

describe('4. socket.io accepts only its own origins', () => {
  it('refuses another site and another port of the same host before any event, with the navigator cookie', async () => {
    const port = new URL(navigator.url).port;
    for (const origin of ['http://evil.example', `http://127.0.0.1:${Number(port) + 1}`, 'null']) {
      expect(await boardFrom(origin), origin).toMatch(/^refused/);
    }
  });

  it('accepts the address the server was reached at, the configured origins, and clients that send none', async () => {
    expect(await boardFrom(navigator.url)).toBe('roster:snapshot');
    expect(await boardFrom('https://board.example.org')).toBe('roster:snapshot');
    expect(await boardFrom(undefined)).toBe('roster:snapshot');
  });
});

describe('9. CSRF: JSON only, cross-site writes refused, oversized bodies 413', () => {
  const valid = { displayName: 'Victim', host: '127.0.0.1', port: 9, sshUser: 'navt' };

  async function post(headers: Record<string, string>, body: string) {
    const response = await fetch(navigator.url + joinPath(), { method: 'POST', headers, body, redirect: 'manual' });
    return { status: response.status, body: (await response.json()) as { message: string } };
  }

  it('a cross-site urlencoded form registers nobody', async () => {
    const form = new URLSearchParams({ ...valid, port: '9' }).toString();
    const crossSite = await post({ 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' }, form);
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.message).toMatch(/Cross-site request refused/);
    // Even from the same site, a form body is not JSON.
    const sameSite = await post({ 'content-type': 'application/x-www-form-urlencoded' }, form);
    expect(sameSite.status).toBe(415);
    expect(sameSite.body.message).toMatch(/JSON/);
    expect(sameSite.body).toMatchObject({ error: { code: 'request.json_only' } });
    const multipart = await post(
      { 'content-type': 'multipart/form-data; boundary=x' },
      '--x\r\nContent-Disposition: form-data; name="displayName"\r\n\r\nV\r\n--x--\r\n',
    );
    expect(multipart.status).toBe(415);
    expect(await attendeeCount()).toBe(0);
  });

  it('a cross-site JSON post (Sec-Fetch-Site without Origin) is refused too; the page itself registers', async () => {
    const crossSite = await post({ 'content-type': 'application/json', 'sec-fetch-site': 'same-site' }, JSON.stringify(valid));
    expect(crossSite.status).toBe(403);
    expect(await attendeeCount()).toBe(0);
    const own = await post({ 'content-type': 'application/json', origin: navigator.url, 'sec-fetch-site': 'same-origin' }, JSON.stringify(valid));
    expect(own.status).toBe(201);
    expect(await attendeeCount()).toBe(1);
  });

  it('every oversized body is a 413 with a message', async () => {
    for (const type of ['application/json', 'text/plain', 'application/x-www-form-urlencoded']) {
      const response = await post({ 'content-type': type }, 'x'.repeat(200_000));
      expect(response.status, type).toBe(413);
      expect(response.body.message).toMatch(/the limit is 64 kB/);
      expect(response.body).toMatchObject({ error: { code: 'limit.body_too_large', values: { limit: 64 } } });
    }
  });
});

describe('13. /metrics', () => {
  let exposed: TestNavigator;
  let guarded: TestNavigator;

  beforeAll(async () => {
    // Listening on every address with no token: /metrics is off. With a token: a bearer scrape.
    exposed = await startTestNavigator({ NAVIGATOR_HOST: '0.0.0.0' });
    guarded = await startTestNavigator({ NAVIGATOR_METRICS_TOKEN: METRICS_TOKEN });
  });

  afterAll(async () => {
    await exposed?.stop();
    await guarded?.stop();
  });

  it('is public only when no token is set and the server listens on loopback', async () => {
    expect((await navigator.request('GET', '/metrics')).status).toBe(200);
    const port = new URL(exposed.listening).port;
    const open = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(open.status).toBe(403);
    expect(await open.text()).toMatch(/NAVIGATOR_METRICS_TOKEN/);
  });

  it('asks for the bearer token, as Prometheus sends it', async () => {
    const none = await guarded.request('GET', '/metrics');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(JSON.stringify(none.body)).not.toMatch(/nodejs_version_info|navigator_/);
    expect((await guarded.request('GET', '/metrics', { token: 'wrong-token-of-some-length' })).status).toBe(401);
    expect((await guarded.request('GET', '/metrics', { token: guarded.navigatorToken })).status).toBe(401);
    const good = await guarded.request('GET', '/metrics', { token: METRICS_TOKEN });
    expect(good.status).toBe(200);
    expect(good.body).toMatch(/navigator_attendees_registered/);
  });
});
