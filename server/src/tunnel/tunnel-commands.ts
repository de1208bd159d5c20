import { isIP } from 'node:net';
import { isDnsName } from '../common/dns-name';
import { TUNNEL_BIND_PORT } from './tunnel.rules';

/** Everything a tunnel command is built from: each value checked here, so nothing typed reaches a shell unchecked. */
export interface TunnelCommandInput {
  /** Where the VM reaches Navigator's endpoint (a DNS name or an address). */
  navigatorHost: string;
  tunnelPort: number;
  /** "ssh-ed25519 AAAA…": Navigator's endpoint host key, pinned in the command. */
  hostPublicKey: string;
  attendeeId: string;
  /** The attendee's tunnel private key (OpenSSH format). */
  privateKey: string;
  /** Where the VM's own ssh reaches its sshd (localhost, as a rule) and on which port. */
  vmSshHost: string;
  vmSshPort: number;
}

export interface TunnelCommands {
  /** Opens the tunnel now, as the VM's user, until the command is stopped. */
  open: string;
  /** Installs a systemd unit (with sudo) that opens it at boot and reopens it after any loss. */
  install: string;
  knownHostsLine: string;
}

export const UNIT_NAME = 'navigator-tunnel.service';
const ATTENDEE_ID = /^[A-Za-z0-9-]{1,64}$/;
const HOST_KEY = /^(ssh-ed25519|ecdsa-sha2-nistp256|ssh-rsa) [A-Za-z0-9+/]+=*$/;
const PRIVATE_KEY = /^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END OPENSSH PRIVATE KEY-----\n?$/;

/** One shell word in single quotes: nothing inside is interpreted. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

function requireHost(host: string, what: string): string {
  if (isIP(host) === 0 && !isDnsName(host)) throw new Error(`${what} is not a host name or address: ${JSON.stringify(host)}`);
  return host;
}

function requirePort(port: number, what: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${what} is not a port: ${port}`);
  return port;
}

/** `[::1]` for an IPv6 literal where OpenSSH reads host:port. */
const bracketed = (host: string) => (isIP(host) === 6 ? `[${host}]` : host);

/** The known_hosts line for the endpoint: host, or [host]:port off port 22, then the key. */
export function knownHostsLine(navigatorHost: string, tunnelPort: number, hostPublicKey: string): string {
  const name = tunnelPort === 22 ? navigatorHost : `[${navigatorHost}]:${tunnelPort}`;
  return `${name} ${hostPublicKey}`;
}

/** The two commands an attendee runs on a VM Navigator cannot dial: plain OpenSSH, no agent. */
export function tunnelCommands(input: TunnelCommandInput): TunnelCommands {
  const navigatorHost = requireHost(input.navigatorHost, "Navigator's host");
  const vmSshHost = requireHost(input.vmSshHost, "the VM's sshd host");
  const tunnelPort = requirePort(input.tunnelPort, 'the tunnel port');
  const vmSshPort = requirePort(input.vmSshPort, "the VM's sshd port");
  if (!ATTENDEE_ID.test(input.attendeeId)) throw new Error(`not an attendee id: ${JSON.stringify(input.attendeeId)}`);
  if (!HOST_KEY.test(input.hostPublicKey)) throw new Error('not a host public key');
  if (!PRIVATE_KEY.test(input.privateKey)) throw new Error('not an OpenSSH private key');

  const known = knownHostsLine(navigatorHost, tunnelPort, input.hostPublicKey);
  const keyLines = input.privateKey.trimEnd().split('\n').map(shellQuote).join(' ');
  const sshArguments = (dir: string, extra: string[]) =>
    [
      '-N',
      `-i ${dir}/key`,
      '-o IdentitiesOnly=yes',
      `-o UserKnownHostsFile=${dir}/known_hosts`,
      '-o StrictHostKeyChecking=yes',
      '-o ExitOnForwardFailure=yes',
      '-o ServerAliveInterval=15',
      '-o ServerAliveCountMax=3',
      ...extra,
      `-p ${tunnelPort}`,
      `-R ${TUNNEL_BIND_PORT}:${bracketed(vmSshHost)}:${vmSshPort}`,
      `${input.attendeeId}@${bracketed(navigatorHost)}`,
    ].join(' ');

  const userDir = '~/.ssh/navigator-tunnel';
  const open = [
    `umask 077 && mkdir -p ${userDir}`,
    `printf '%s\\n' ${keyLines} > ${userDir}/key`,
    `printf '%s\\n' ${shellQuote(known)} > ${userDir}/known_hosts`,
    `ssh ${sshArguments(userDir, [])}`,
  ].join(' && ');

  const systemDir = '/etc/navigator-tunnel';
  const unit = [
    '[Unit]',
    `Description=Navigator tunnel (ssh -R to ${navigatorHost}:${tunnelPort})`,
    'Wants=network-online.target',
    'After=network-online.target',
    'StartLimitIntervalSec=0',
    '[Service]',
    `ExecStart=/usr/bin/ssh ${sshArguments(systemDir, ['-o BatchMode=yes'])}`,
    'Restart=always',
    'RestartSec=5',
    '[Install]',
    'WantedBy=multi-user.target',
  ];
  const install = [
    `sudo install -d -m 700 ${systemDir}`,
    `printf '%s\\n' ${keyLines} | sudo tee ${systemDir}/key > /dev/null`,
    `sudo chmod 600 ${systemDir}/key`,
    `printf '%s\\n' ${shellQuote(known)} | sudo tee ${systemDir}/known_hosts > /dev/null`,
    `printf '%s\\n' ${unit.map(shellQuote).join(' ')} | sudo tee /etc/systemd/system/${UNIT_NAME} > /dev/null`,
    'sudo systemctl daemon-reload',
    `sudo systemctl enable ${UNIT_NAME}`,
    `sudo systemctl restart ${UNIT_NAME}`,
  ].join(' && ');
  return { open, install, knownHostsLine: known };
}
