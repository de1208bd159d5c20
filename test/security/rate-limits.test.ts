/**
 * Item 8: join-code brute force and a client-chosen X-Forwarded-For, against the real server; and the
 * navigator rotating the join code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkshopLinks } from '../../server/src/contract/views';
import { registerAttendees } from '../support/clients';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

const LIMIT = 30;
let strict: TestNavigator;

beforeAll(async () => {
  // The default: no proxy trusted.
  strict = await startTestNavigator({ NAVIGATOR_TRUST_PROXY: 'false', NAVIGATOR_PUBLIC_RATE_PER_MINUTE: String(LIMIT), NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
});

afterAll(async () => {
  await strict?.stop();
});

async function guess(server: TestNavigator, code: string, forwardedFor: string): Promise<number> {
  const response = await fetch(`${server.url}/api/join/${code}`, { headers: { 'x-forwarded-for': forwardedFor } });
  await response.arrayBuffer();
  return response.status;
}

describe('8. rate limits on the routes anyone can call', () => {
  it('wrong join codes are answered 429 after the limit, whatever X-Forwarded-For says', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 10; i++) statuses.push(await guess(strict, `WRONG${i}`, `198.18.${i}.1`));
    expect(statuses.slice(0, LIMIT).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(LIMIT)).toEqual(Array(10).fill(429));
    // Each route counts on its own: guessing the navigator's secret link too.
    for (let i = 0; i < LIMIT; i++) expect((await fetch(`${strict.url}/auth/navigator?token=guess${i}`, { redirect: 'manual' })).status).toBe(401);
    const refused = await fetch(`${strict.url}/auth/navigator?token=guess`, { redirect: 'manual' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ message: expect.stringMatching(/Too many requests/), error: { code: 'limit.public_requests' } });
  });

  it('signed-in routes and health are not counted', async () => {
    for (let i = 0; i < 5; i++) expect((await strict.request('GET', '/api/attendees', { token: strict.navigatorToken })).status).toBe(200);
    expect((await strict.request('GET', '/health')).status).toBe(200);
  });

  it('with NAVIGATOR_TRUST_PROXY, the forwarded address is the client', async () => {
    const behindProxy = await startTestNavigator({ NAVIGATOR_TRUST_PROXY: 'loopback', NAVIGATOR_PUBLIC_RATE_PER_MINUTE: String(LIMIT) });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT + 10; i++) statuses.push(await guess(behindProxy, `WRONG${i}`, `198.18.${i}.1`));
      expect(statuses.every((s) => s === 404)).toBe(true);
      for (let i = 0; i < LIMIT; i++) await guess(behindProxy, `WRONG${i}`, '198.19.0.1');
      expect(await guess(behindProxy, 'WRONG', '198.19.0.1')).toBe(429);
    } finally {
      await behindProxy.stop();
    }
  });
});

describe('8. the navigator rotates the join code', () => {
  it('the old join link registers nobody; registered attendees are unaffected; only the navigator may rotate', async () => {
    const server = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true' });
    try {
      const [ada] = await registerAttendees(server.request.bind(server), server.joinUrl, ['Ada']);
      const oldCode = new URL(server.joinUrl).pathname.split('/').pop()!;
      expect((await server.request('POST', '/api/workshop/join-code', { token: ada.token })).status).toBe(401);
      const rotated = await server.request('POST', '/api/workshop/join-code', { token: server.navigatorToken });
      expect(rotated.status).toBe(200);
      const links = rotated.body as WorkshopLinks;
      expect(links.joinCode).not.toBe(oldCode);
      expect((await server.request('GET', `/api/join/${oldCode}`)).status).toBe(404);
      expect((await server.request('GET', `/api/join/${links.joinCode}`)).status).toBe(200);
      expect((await server.request('GET', '/api/me', { token: ada.token })).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
