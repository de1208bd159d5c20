import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SelfView, TunnelView } from '../../server/src/contract/views';
import { BoardWatcher } from '../fleet/room';
import { ServerProcess } from '../support/server-process';
import { freePort } from '../support/sshd';
import { SystemdContainer } from './container';

/**
 * The tunnel's "install it as a service" command (issue 16) on a real systemd: a Debian 12 VM (systemd-nspawn, as in
 * kit-e2e) registered as behind NAT runs its page's install command as its user, and Navigator watches it through the
 * unit's `ssh -R`. The unit is killed, and systemd's Restart=always brings the VM back on the board by itself.
 */
const MACHINE = 'tunnel-unit';
const SUBNET = 30; // 198.19.250.121 (host) / .122 (the VM); kit-e2e uses 20–22
const UNIT = 'navigator-tunnel.service';
const missing = [process.getuid?.() !== 0 && 'root', !fs.existsSync('/usr/bin/systemd-nspawn') && 'systemd-nspawn (apt-get install systemd-container)'].filter(
  Boolean,
);

describe.skipIf(missing.length > 0)(`the tunnel as a systemd unit on a real systemd (skipped without: ${missing.join(', ')})`, () => {
  let container: SystemdContainer;
  let navigator: ServerProcess;
  let board: BoardWatcher;
  let attendeeId: string;
  let tunnel: TunnelView;

  beforeAll(async () => {
    container = await SystemdContainer.boot(MACHINE, SUBNET);
    await container.must([
      'sh',
      '-c',
      [
        'useradd --create-home --shell /bin/bash ubuntu',
        "echo 'ubuntu ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/ubuntu && chmod 0440 /etc/sudoers.d/ubuntu",
        'install -d -m 0700 -o ubuntu -g ubuntu /home/ubuntu/.ssh',
        'systemctl start ssh',
      ].join(' && '),
    ]);
    navigator = new ServerProcess({
      NAVIGATOR_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-tunnel-unit-')),
      NAVIGATOR_HOST: container.hostAddress,
      NAVIGATOR_PORT: String(await freePort()),
      NAVIGATOR_TUNNEL_PORT: String(await freePort()),
    });
    await navigator.start();
    const { navigatorToken, joinPath } = navigator.links();
    board = new BoardWatcher(navigator.url, navigatorToken);
    // Behind NAT: the VM's sshd as the VM itself reaches it; Navigator never dials the VM's address.
    const joined = await fetch(navigator.url + joinPath, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Behind NAT', host: 'localhost', port: 22, sshUser: 'ubuntu', vmAccess: 'tunnel' }),
    });
    const registration = (await joined.json()) as { attendee: SelfView; personalPath: string };
    expect(joined.status, JSON.stringify(registration)).toBe(201);
    attendeeId = registration.attendee.id;
    await container.must(['sh', '-c', 'cat >> /home/ubuntu/.ssh/authorized_keys && chown ubuntu:ubuntu /home/ubuntu/.ssh/authorized_keys'], {
      input: `${registration.attendee.authorizedKeysLine}\n`,
    });
    const cookie = `navigator_attendee=${registration.personalPath.split('/').pop()}`;
    const response = await fetch(`${navigator.url}/api/me/tunnel`, { headers: { cookie } });
    expect(response.status).toBe(200);
    tunnel = (await response.json()) as TunnelView;
  }, 120_000);

  afterAll(async () => {
    board?.close();
    await navigator?.kill();
    await container?.powerOff();
  }, 60_000);

  it('waits for the tunnel before the attendee runs anything', async () => {
    await board.until(attendeeId, 'tunnel not open yet', (view) => view.connection.reason === 'tunnel_not_open', 30_000);
  });

  it("the page's install command, run by the VM's user, starts an enabled unit and Navigator reaches the VM through it", async () => {
    await container.must(['runuser', '-u', 'ubuntu', '--', 'sh', '-c', tunnel.installCommand], { timeoutMs: 60_000 });
    expect((await container.exec(['systemctl', 'is-enabled', UNIT])).stdout.trim()).toBe('enabled');
    await board.until(attendeeId, 'connected through the unit', (view) => view.connection.state === 'connected', 60_000);
    // The key the unit logs in with is root's alone on the VM.
    expect((await container.must(['stat', '-c', '%a %U', '/etc/navigator-tunnel/key'])).trim()).toBe('600 root');
  });

  it('the unit killed: the board says the tunnel closed, and Restart=always brings the VM back by itself', async () => {
    const restartsBefore = Number((await container.must(['systemctl', 'show', '-p', 'NRestarts', '--value', UNIT])).trim());
    await container.must(['systemctl', 'kill', '--signal=KILL', UNIT]);
    await board.until(attendeeId, 'tunnel closed', (view) => view.connection.reason === 'tunnel_closed', 30_000);
    await board.until(attendeeId, 'connected again', (view) => view.connection.state === 'connected', 60_000);
    expect(Number((await container.must(['systemctl', 'show', '-p', 'NRestarts', '--value', UNIT])).trim())).toBe(restartsBefore + 1);
  });
});
