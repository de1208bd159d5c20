import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, type Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RouteUnavailable } from '../ssh/ssh.types';
import { shellQuote, tunnelCommands, type TunnelCommandInput } from './tunnel-commands';
import { TunnelHostKey, TunnelKeyStore } from './tunnel-keys';
import { TunnelRegistry, type OpenTunnel } from './tunnel.registry';
import { isAllowedBind, isIssuedKey } from './tunnel.rules';

const PRIVATE_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQUFBQQ==\n-----END OPENSSH PRIVATE KEY-----\n';
const input: TunnelCommandInput = {
  navigatorHost: 'navigator.example.org',
  tunnelPort: 2222,
  hostPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB',
  attendeeId: '0b5e7c1e-1234-4abc-9def-0123456789ab',
  privateKey: PRIVATE_KEY,
  vmSshHost: 'localhost',
  vmSshPort: 22,
};

describe('tunnel rules', () => {
  it('allow one bind: port 22 on localhost, once per login', () => {
    expect(isAllowedBind({ bindAddr: 'localhost', bindPort: 22 }, false)).toBe(true);
    expect(isAllowedBind({ bindAddr: 'localhost', bindPort: 22 }, true)).toBe(false);
    expect(isAllowedBind({ bindAddr: 'localhost', bindPort: 2200 }, false)).toBe(false);
    expect(isAllowedBind({ bindAddr: '', bindPort: 22 }, false)).toBe(false);
    expect(isAllowedBind({ bindAddr: '0.0.0.0', bindPort: 22 }, false)).toBe(false);
  });

  it('admit only the exact key issued', () => {
    const issued = { algo: 'ssh-ed25519', data: Buffer.from('abc') };
    expect(isIssuedKey({ algo: 'ssh-ed25519', data: Buffer.from('abc') }, issued)).toBe(true);
    expect(isIssuedKey({ algo: 'ssh-ed25519', data: Buffer.from('abd') }, issued)).toBe(false);
    expect(isIssuedKey({ algo: 'ssh-rsa', data: Buffer.from('abc') }, issued)).toBe(false);
  });
});

describe('tunnel commands', () => {
  it('open the tunnel with plain OpenSSH, the host key pinned, and install a unit that reconnects', () => {
    const commands = tunnelCommands(input);
    expect(commands.knownHostsLine).toBe('[navigator.example.org]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB');
    expect(commands.open).toContain(`-p 2222 -R 22:localhost:22 ${input.attendeeId}@navigator.example.org`);
    expect(commands.open).toContain(shellQuote(commands.knownHostsLine));
    for (const option of ['ExitOnForwardFailure=yes', 'ServerAliveInterval=15', 'StrictHostKeyChecking=yes'])
      expect(commands.open + commands.install).toContain(option);
    expect(commands.install).toContain(shellQuote('Restart=always'));
    expect(tunnelCommands({ ...input, tunnelPort: 22, vmSshHost: '::1' }).open).toContain(`-R 22:[::1]:22 ${input.attendeeId}@navigator.example.org`);
  });

  it('refuse any value that is not what it claims, before it could reach a shell', () => {
    expect(() => tunnelCommands({ ...input, navigatorHost: 'x;reboot' })).toThrow(/Navigator's host/);
    expect(() => tunnelCommands({ ...input, vmSshHost: '$(id)' })).toThrow(/sshd host/);
    expect(() => tunnelCommands({ ...input, attendeeId: "a'b" })).toThrow(/attendee id/);
    expect(() => tunnelCommands({ ...input, hostPublicKey: "ssh-ed25519 AAAA'" })).toThrow(/host public key/);
    expect(() => tunnelCommands({ ...input, privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\n'\n-----END OPENSSH PRIVATE KEY-----\n" })).toThrow(
      /private key/,
    );
    expect(() => tunnelCommands({ ...input, tunnelPort: 0 })).toThrow(/port/);
  });

  it('write the key and known_hosts exactly, as sh reads the command', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'navtun-cmd-'));
    try {
      // Everything up to the ssh itself, run by a real sh with this HOME.
      const setup = tunnelCommands(input).open.replace(/ && ssh .*$/, '');
      execFileSync('sh', ['-c', setup], { env: { ...process.env, HOME: home } });
      expect(fs.readFileSync(path.join(home, '.ssh/navigator-tunnel/key'), 'utf8')).toBe(PRIVATE_KEY);
      expect(fs.statSync(path.join(home, '.ssh/navigator-tunnel/key')).mode & 0o077).toBe(0);
      expect(fs.readFileSync(path.join(home, '.ssh/navigator-tunnel/known_hosts'), 'utf8')).toBe(`${tunnelCommands(input).knownHostsLine}\n`);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});

function fakeTunnel(): OpenTunnel & { ended: boolean } {
  const tunnel = {
    bindAddr: 'localhost',
    bindPort: 22,
    ended: false,
    forward: (callback: (error: Error | undefined, stream: Duplex) => void) => callback(undefined, new PassThrough()),
    end: () => void (tunnel.ended = true),
  };
  return tunnel;
}

describe('tunnel registry', () => {
  it('says "not open yet", then "closed"; a new tunnel replaces and ends the old; a replaced one closing changes nothing', async () => {
    const registry = new TunnelRegistry();
    const changes: [string, boolean][] = [];
    registry.onChange((id, open) => changes.push([id, open]));
    await expect(registry.dial('ada', 22)).rejects.toMatchObject({ reason: 'tunnel_not_open' });
    const first = fakeTunnel();
    registry.opened('ada', first);
    await expect(registry.dial('ada', 22)).resolves.toBeInstanceOf(PassThrough);
    const second = fakeTunnel();
    registry.opened('ada', second);
    expect(first.ended).toBe(true);
    registry.closed('ada', first);
    expect(registry.isOpen('ada')).toBe(true);
    registry.closed('ada', second);
    expect(registry.routeTo('ada', 22).lost()).toMatchObject({ reason: 'tunnel_closed' });
    await expect(registry.dial('ada', 22)).rejects.toBeInstanceOf(RouteUnavailable);
    expect(changes).toEqual([
      ['ada', true],
      ['ada', true],
      ['ada', false],
    ]);
  });

  it("says the VM's sshd does not answer when the VM's ssh cannot connect the channel", async () => {
    const registry = new TunnelRegistry();
    registry.opened('ada', { ...fakeTunnel(), forward: (callback) => callback(new Error('Connection refused'), undefined as unknown as Duplex) });
    await expect(registry.dial('ada', 2222)).rejects.toMatchObject({ reason: 'tunnel_sshd_silent' });
  });
});

describe('tunnel keys', () => {
  it("keep Navigator's host key across starts, 0600, and issue each attendee one tunnel key whose public half admits", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navtun-keys-'));
    try {
      const host = TunnelHostKey.open(dir);
      expect(TunnelHostKey.open(dir).publicKey).toBe(host.publicKey);
      expect(fs.statSync(path.join(dir, 'tunnel_host_ed25519')).mode & 0o777).toBe(0o600);
      const keys = new TunnelKeyStore(dir);
      expect(await keys.publicKeyOf('ada')).toBeNull();
      const privateKey = await keys.privateKeyFor('ada');
      expect(await keys.privateKeyFor('ada')).toBe(privateKey);
      expect(fs.statSync(keys.fileOf('ada')).mode & 0o777).toBe(0o600);
      const ada = (await keys.publicKeyOf('ada'))!;
      await keys.privateKeyFor('bob');
      const bob = (await keys.publicKeyOf('bob'))!;
      expect(isIssuedKey(ada, ada)).toBe(true);
      expect(isIssuedKey(bob, ada)).toBe(false);
      expect(await keys.publicKeyOf('../etc')).toBeNull();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
