/**
 * Item 6: registration is not a port scanner. Every new address an attendee gives is dialled and
 * its answer (open, closed, silent) shown on their page, so changes of address are limited per
 * attendee (a handful a minute) and per source address (a room's worth), against the real server.
 * The "VMs" are closed ports on loopback: nothing leaves the machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSED_PORT, registerAttendees } from '../support/clients';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

const OTHER_CLOSED_PORT = 19;
let navigator: TestNavigator;
let startedAt = 0;

beforeAll(async () => {
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'true', NAVIGATOR_TRUST_PROXY: 'false' });
  startedAt = Date.now();
});

afterAll(async () => {
  await navigator?.stop();
});

/** Moves an attendee's VM to the other closed port: always a change of address. */
async function move(attendee: { token: string; name: string }, index: number, port: number) {
  return navigator.request('PUT', '/api/me/vm', {
    token: attendee.token,
    body: { displayName: attendee.name, host: '127.0.0.1', port, sshUser: `user${index}` },
  });
}

describe('6. changes of VM address are rate-limited', () => {
  it('per attendee: the sixth change within a minute is refused with when to retry, and nothing of it is stored; a rename is not a change', async () => {
    const [ada] = await registerAttendees(navigator.request.bind(navigator), navigator.joinUrl, ['Ada']);
    const ports = [OTHER_CLOSED_PORT, CLOSED_PORT, OTHER_CLOSED_PORT, CLOSED_PORT, OTHER_CLOSED_PORT];
    for (const port of ports) expect((await move(ada, 0, port)).status).toBe(200);
    const refused = await move(ada, 0, CLOSED_PORT);
    expect(refused.status).toBe(429);
    expect((refused.body as { message: string }).message).toMatch(/changed your VM's address several times within a minute; try again in \d+ s/);
    expect(refused.body).toMatchObject({ error: { code: 'limit.address_changes', values: { seconds: expect.any(Number) } } });
    const me = (await navigator.request('GET', '/api/me', { token: ada.token })).body as { port: number };
    expect(me.port).toBe(OTHER_CLOSED_PORT);
    const renamed = await navigator.request('PUT', '/api/me/vm', {
      token: ada.token,
      body: { displayName: 'Ada L.', host: '127.0.0.1', port: OTHER_CLOSED_PORT, sshUser: 'user0' },
    });
    expect(renamed.status).toBe(200);
  });

  it('per source address: many attendees from one address together get a room’s worth, then 429', async () => {
    // Waves of changes at once, so the bucket drains faster than it refills however slow each request is on a busy machine.
    const names = Array.from({ length: 12 }, (_, i) => `Scanner ${i}`);
    const attendees = await registerAttendees(navigator.request.bind(navigator), navigator.joinUrl, names);
    let accepted = 5; // Ada's, in the test before: the same source address.
    let refusedForNetwork = false;
    for (let change = 0; change < 5 && !refusedForNetwork; change++) {
      const responses = await Promise.all(attendees.map((attendee, index) => move(attendee, index, change % 2 === 0 ? OTHER_CLOSED_PORT : CLOSED_PORT)));
      for (const response of responses) {
        if (response.status === 429) {
          expect((response.body as { message: string }).message).toMatch(/from your network; try again in \d+ s/);
          expect(response.body).toMatchObject({ error: { code: 'limit.address_changes_network' } });
          refusedForNetwork = true;
        } else {
          expect(response.status).toBe(200);
          accepted += 1;
        }
      }
    }
    expect(refusedForNetwork).toBe(true);
    // 30 at once, refilled at one every two seconds since the first change.
    const refilled = Math.ceil((Date.now() - startedAt) / 2000);
    expect(accepted).toBeGreaterThanOrEqual(30);
    expect(accepted).toBeLessThanOrEqual(30 + refilled);
  });
});
