import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { englishReason } from '../../server/src/contract/i18n/english';
import { execFileSync } from 'node:child_process';
import { ROOT_CHECKS_SUDOERS, rootChecksRuleCommand } from '../../server/src/attendees/authorized-key';
import { runChecks } from '../../server/src/probes/check-runner';
import { checkValues } from '../../server/src/probes/check-values';
import { AddressPolicy } from '../../server/src/ssh/address.policy';
import { outsideChannel } from '../../server/src/ssh/outside';
import { SshConnection } from '../../server/src/ssh/ssh.connection';
import { SshKeyStore } from '../../server/src/ssh/ssh.keys';
import { workshopSchema, type CheckFile, type WorkshopDefinition } from '../../server/src/workshops/workshop.schema';
import { CLOSED_PORT } from '../support/clients';
import { createTestUser, removeStaleTestUsers, startSshd, type TestSshd, type TestUser } from '../support/sshd';

/**
 * Format version 2 checks for real: `sudo: true` over a real sshd for a user with passwordless sudo
 * and for one whose sudo wants a password; outside checks (tcp, http from: navigator) from this
 * process to the VM's address, under the address policy.
 */
let sshd: TestSshd;
let keys: SshKeyStore;
let withSudo: TestUser;
let withPassword: TestUser;
let withoutSudo: TestUser;
let server: http.Server;
let port: number;
const SUDOERS = '/etc/sudoers.d/navt-format-v2';

const workshopWith = (checks: CheckFile[], extra: Record<string, unknown> = {}): WorkshopDefinition =>
  workshopSchema.parse({ version: 2, id: 'w', title: 'W', probe: { checkTimeoutSeconds: 5 }, ...extra, steps: [{ id: 's', title: 'S', minutes: 1, checks }] });
const connectAs = async (name: string) =>
  (
    await SshConnection.connect(
      { id: name, host: '127.0.0.1', port: sshd.port, user: name, pinnedFingerprint: null },
      { privateKey: keys.privateKey, readyTimeoutMs: 5000, keepaliveIntervalMs: 10_000, maxSessions: 4 },
    )
  ).connection;

beforeAll(async () => {
  removeStaleTestUsers();
  keys = SshKeyStore.open(fs.mkdtempSync(path.join(os.tmpdir(), 'navt-keys-')));
  sshd = await startSshd();
  withSudo = createTestUser('navtsudook');
  withPassword = createTestUser('navtsudopw');
  withoutSudo = createTestUser('navtsudono');
  for (const user of [withSudo, withPassword, withoutSudo]) sshd.setAuthorizedKeys(user.name, [keys.publicKeyLine]);
  // The first as cloud images set up their login user; the second as a user who must type a password (it has none: '*').
  fs.writeFileSync(SUDOERS, `${withSudo.name} ALL=(ALL) NOPASSWD: ALL\n${withPassword.name} ALL=(ALL) ALL\n`, { mode: 0o440 });
  server = http.createServer((req, res) => res.end(`hello from outside ${req.headers.host}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  fs.rmSync(SUDOERS, { force: true });
  fs.rmSync(ROOT_CHECKS_SUDOERS, { force: true });
  server?.close();
  await sshd?.stop();
  withSudo?.remove();
  withPassword?.remove();
  withoutSudo?.remove();
});

describe('sudo: true', () => {
  const workshop = workshopWith(
    [
      { id: 'root-only', title: 'R', ssh: { run: 'id -u; test -r /etc/shadow && echo "${attendee.team}"', stdout: '^0$', sudo: true } },
      { id: 'as-user', title: 'U', ssh: { run: 'id -u' } },
    ],
    { attendeeValues: { team: { label: 'Team' } } },
  );
  const values = checkValues(workshop, { team: 'blue' }, {});

  it('runs as root with sudo -n where sudo needs no password, with the check values kept in its environment', async () => {
    const connection = await connectAs(withSudo.name);
    const [root, user] = await runChecks(connection, workshop, workshop.steps[0].checks, values);
    expect(root).toEqual({ checkId: 'root-only', status: 'pass', reason: null, output: '0\nblue' });
    expect(user.output).not.toBe('0');
    connection.close();
  });

  it("a check's own failure that prints like sudo is the check failing, not sudo wanting a password", async () => {
    const connection = await connectAs(withSudo.name);
    const lookalike = workshopWith([{ id: 'lookalike', title: 'L', ssh: { run: 'echo "sudo: not what you think"; exit 1', sudo: true } }]);
    const [result] = await runChecks(connection, lookalike, lookalike.steps[0].checks);
    expect(result).toMatchObject({ checkId: 'lookalike', status: 'fail', output: 'sudo: not what you think' });
    expect(result.reason).toMatchObject({ code: 'check.exit_code_output', values: { exitCode: 1 } });
    connection.close();
  });

  it('says "this check needs passwordless sudo" (a VM problem, an error) where sudo wants a password, and runs the others', async () => {
    const connection = await connectAs(withPassword.name);
    const [root, user] = await runChecks(connection, workshop, workshop.steps[0].checks, values);
    expect(root.status).toBe('error');
    expect(root.reason).toEqual({ code: 'check.sudo_password' });
    expect(englishReason(root.reason)).toMatch(/^this check needs passwordless sudo/);
    expect(user.status).toBe('pass');
    connection.close();
  });
});

describe("the attendee page's root-checks command", () => {
  it('lets a login with no sudo at all run the sudo checks, once pasted (run here as root, as `sudo` runs it on a VM)', async () => {
    const workshop = workshopWith([{ id: 'root-only', title: 'R', ssh: { run: 'id -u', stdout: '^0$', sudo: true } }]);
    const before = await connectAs(withoutSudo.name);
    const [refused] = await runChecks(before, workshop, workshop.steps[0].checks, checkValues(workshop, {}, {}));
    before.close();
    expect(refused.status).toBe('error');
    expect(refused.reason).toEqual({ code: 'check.sudo_password' });

    execFileSync('sh', ['-c', rootChecksRuleCommand(withoutSudo.name)], { stdio: 'pipe' });
    expect((fs.statSync(ROOT_CHECKS_SUDOERS).mode & 0o777).toString(8)).toBe('440');
    const after = await connectAs(withoutSudo.name);
    const [allowed] = await runChecks(after, workshop, workshop.steps[0].checks, checkValues(workshop, {}, {}));
    after.close();
    expect(allowed).toMatchObject({ status: 'pass', output: '0' });
  });

  it('refuses a login name that is not one (never spliced into the command)', () => {
    expect(() => rootChecksRuleCommand("x' ALL; rm -rf /")).toThrow(/not a login name/);
  });
});

describe('outside checks', () => {
  const workshop = () =>
    workshopWith([
      { id: 'open', title: 'O', tcp: { port } },
      { id: 'closed', title: 'C', tcp: { port: CLOSED_PORT } },
      { id: 'web', title: 'W', http: { port, path: '/', from: 'navigator', contains: 'hello from outside 127.0.0.1', notContains: 'error' } },
    ]);

  it('connect from Navigator to the VM address: open, refused, and HTTP with the VM address as Host', async () => {
    const connection = await connectAs(withSudo.name);
    const w = workshop();
    const results = await runChecks(
      connection,
      w,
      w.steps[0].checks,
      undefined,
      outsideChannel('127.0.0.1', new AddressPolicy({ allowLoopback: true, allowLinkLocal: false })),
    );
    expect(results).toEqual([
      { checkId: 'open', status: 'pass', reason: null, output: null },
      { checkId: 'closed', status: 'fail', reason: { code: 'check.outside_refused', values: { port: CLOSED_PORT } }, output: null },
      { checkId: 'web', status: 'pass', reason: null, output: `hello from outside 127.0.0.1:${port}` },
    ]);
    connection.close();
  });

  it('never dials an address the policy refuses', async () => {
    const connection = await connectAs(withSudo.name);
    const w = workshop();
    const results = await runChecks(
      connection,
      w,
      w.steps[0].checks,
      undefined,
      outsideChannel('127.0.0.1', new AddressPolicy({ allowLoopback: false, allowLinkLocal: false })),
    );
    expect(results.map((r) => r.status)).toEqual(['error', 'error', 'error']);
    expect(results[0].reason).toMatchObject({
      code: 'check.outside_not_checked',
      values: { detail: expect.stringMatching(/^127\.0\.0\.1 is this server itself/) },
    });
    connection.close();
  });
});
