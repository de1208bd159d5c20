/**
 * Item 5: the address policy compares ranges on canonical addresses, so no spelling of a refused
 * address gets through registration on the real server. Items 6 and 7: the machine's own
 * addresses and the names that mean loopback are refused like loopback.
 */
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

let navigator: TestNavigator;

beforeAll(async () => {
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'false', NAVIGATOR_ALLOW_LINK_LOCAL_VMS: 'false' });
});

afterAll(async () => {
  await navigator?.stop();
});

describe('5. every spelling of a refused address is refused', () => {
  it.each([
    'fd00:ec2:0:0:0:0:0:254',
    'fd00:0ec2::254',
    '::ffff:6464:64c8',
    '::ffff:100.100.100.200',
    '::100.100.100.200',
    '64:ff9b::a9fe:a9fe',
    '0:0:0:0:0:ffff:7f00:1',
    '::127.0.0.1',
    '0:0:0:0:0:0:0:1',
  ])('%s', async (host) => {
    const joinPath = new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');
    const response = await navigator.request('POST', joinPath, { body: { displayName: 'Probe', host, port: 22, sshUser: 'navt' } });
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect((response.body as { fields: { host: string } }).fields.host).toMatch(/metadata|loopback/);
    const roster = (await navigator.request('GET', '/api/attendees', { token: navigator.navigatorToken })).body as { attendees: unknown[] };
    expect(roster.attendees).toEqual([]);
  });
});

async function registerAt(host: string): Promise<{ status: number; body: unknown }> {
  const joinPath = new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');
  return navigator.request('POST', joinPath, { body: { displayName: 'Probe', host, port: 22, sshUser: 'navt' } });
}

async function rosterSize(): Promise<number> {
  return ((await navigator.request('GET', '/api/attendees', { token: navigator.navigatorToken })).body as { attendees: unknown[] }).attendees.length;
}

describe("6. the Navigator host's own addresses are refused like loopback", () => {
  const own = Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((entry) => !entry.internal && !entry.address.startsWith('fe80'))
    .map((entry) => entry.address);

  it.skipIf(own.length === 0)(`every non-loopback interface address of this machine (${own.join(', ') || 'none: nothing to try'})`, async () => {
    for (const host of own) {
      const response = await registerAt(host);
      expect(response.status, `${host}: ${JSON.stringify(response.body)}`).toBe(400);
      expect((response.body as { fields: { host: string } }).fields.host).toMatch(/machine Navigator runs on/);
      expect(response.body).toMatchObject({ fieldErrors: { host: { code: expect.stringMatching(/^address\.refused/), values: { category: 'self' } } } });
    }
    expect(await rosterSize()).toBe(0);
  });
});

describe('7. names that mean loopback are refused by name, whatever DNS says or fails to say', () => {
  it.each(['localhost', 'LocalHost.', 'vm.localhost'])('%s', async (host) => {
    const response = await registerAt(host);
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect((response.body as { fields: { host: string } }).fields.host).toMatch(/loopback/);
    expect(await rosterSize()).toBe(0);
  });
});
