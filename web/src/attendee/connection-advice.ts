import type { ConnectionView } from '$server/contract/views';
import { reasonText } from '../i18n/reason';

/** What an attendee should do about their VM's connection state, in plain words. */
export function connectionAdvice(connection: ConnectionView): { title: string; body: string; showKey: boolean } {
  switch (connection.state) {
    case 'connected':
      if (connection.reason === 'commands_blocked')
        return {
          title: 'Connected, but commands are blocked',
          body:
            `Navigator logs in, but this account runs something else instead of commands (a ForceCommand in sshd_config, a nologin shell, or command="…" before Navigator's key in ~/.ssh/authorized_keys), so your steps cannot be checked. ` +
            `Use an account with a normal shell, or remove that restriction for Navigator's key.${connection.message ? ` The account printed: “${reasonText(connection.message)}”` : ''}`,
          showKey: false,
        };
      return { title: 'Connected', body: 'Navigator can see your VM. Keep this page open to follow your progress.', showKey: false };
    case 'waiting':
    case 'connecting':
      return { title: 'Connecting to your VM…', body: 'Add the key below if you have not yet; Navigator keeps trying.', showKey: true };
    case 'unreachable':
      switch (connection.reason) {
        case 'auth_rejected':
          return {
            title: 'Key not authorized yet',
            body: "Your VM answered, but it does not accept Navigator's key yet. Run the command below on your VM (as the SSH user you registered), then wait a few seconds.",
            showKey: true,
          };
        case 'refused':
          return {
            title: 'Connection refused',
            body: 'Something answered at that address, but nothing listens on the SSH port. Check the port number, that sshd is running (sudo systemctl status ssh), and that no firewall rejects it.',
            showKey: false,
          };
        case 'timeout':
        case 'network':
          return {
            title: 'Host unreachable or timed out',
            body: "Nothing answered at that address. Check the address (use the VM's public IP), that the VM is running, and that your cloud's firewall / security group allows SSH from the workshop network.",
            showKey: false,
          };
        case 'slow_link':
          return {
            title: 'Slow link',
            body: `Your VM answers, but the login over this network takes longer than Navigator waits. Nothing is wrong with your VM or your key; Navigator keeps trying. ${reasonText(connection.message)}`,
            showKey: false,
          };
        case 'dropped':
          return {
            title: 'sshd drops the connection',
            body: 'Your VM accepts the connection and closes it before greeting: sshd is refusing logins (too many at once: MaxStartups, or a rule such as hosts.deny or fail2ban). Navigator keeps trying.',
            showKey: false,
          };
        case 'dns':
          return { title: 'DNS name not found', body: 'That name does not resolve. Check for typos, or use the IP address instead.', showKey: false };
        case 'host_key_changed':
          return {
            title: 'Host key changed since it was pinned',
            body: 'The machine at that address is not the one Navigator first saw, so Navigator runs nothing on it. If you rebuilt your VM, ask the navigator to trust its new key (below); otherwise tell them: someone may be in between.',
            showKey: false,
          };
        case 'address_refused':
          return {
            title: 'Address not allowed',
            body: reasonText(connection.message) || 'Navigator does not connect to this kind of address.',
            showKey: false,
          };
        case 'commands_blocked':
        case 'error':
        case null:
          return {
            title: 'Cannot connect',
            body: reasonText(connection.message) || 'An unexpected SSH error occurred; Navigator keeps trying.',
            showKey: true,
          };
      }
  }
}
