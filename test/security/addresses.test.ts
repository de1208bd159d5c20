/**
 * Item 5: the address policy compares ranges on canonical addresses, so no spelling of a refused
 * address gets through registration on the real server.
 */
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
