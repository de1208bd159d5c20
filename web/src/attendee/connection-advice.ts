import type { ConnectionView } from '$server/contract/views';
import { t } from '../i18n/i18n.svelte';
import { reasonText } from '../i18n/reason';

/** What an attendee should do about their VM's connection state, in plain words and the reader's language. */
export function connectionAdvice(connection: ConnectionView): { title: string; body: string; showKey: boolean } {
  // What the server said: a coded reason in the reader's language, or (commands_blocked) what the account printed.
  const message = reasonText(connection.message);
  switch (connection.state) {
    case 'connected':
      if (connection.reason === 'commands_blocked')
        return {
          title: t('attendee.advice.commandsBlocked.title'),
          body: message ? t('attendee.advice.commandsBlocked.bodyPrinted', { printed: message }) : t('attendee.advice.commandsBlocked.body'),
          showKey: false,
        };
      return { title: t('attendee.advice.connected.title'), body: t('attendee.advice.connected.body'), showKey: false };
    case 'waiting':
    case 'connecting':
      return { title: t('attendee.advice.connecting.title'), body: t('attendee.advice.connecting.body'), showKey: true };
    case 'unreachable':
      switch (connection.reason) {
        case 'auth_rejected':
          return { title: t('attendee.advice.authRejected.title'), body: t('attendee.advice.authRejected.body'), showKey: true };
        case 'refused':
          return { title: t('attendee.advice.refused.title'), body: t('attendee.advice.refused.body'), showKey: false };
        case 'timeout':
        case 'network':
          return { title: t('attendee.advice.timeout.title'), body: t('attendee.advice.timeout.body'), showKey: false };
        case 'slow_link':
          return { title: t('attendee.advice.slowLink.title'), body: t('attendee.advice.slowLink.body', { message }), showKey: false };
        case 'dropped':
          return { title: t('attendee.advice.dropped.title'), body: t('attendee.advice.dropped.body'), showKey: false };
        case 'lost':
          return { title: t('attendee.advice.lost.title'), body: t('attendee.advice.lost.body'), showKey: false };
        case 'dns':
          return { title: t('attendee.advice.dns.title'), body: t('attendee.advice.dns.body'), showKey: false };
        case 'host_key_changed':
          return { title: t('attendee.advice.hostKeyChanged.title'), body: t('attendee.advice.hostKeyChanged.body'), showKey: false };
        case 'tunnel_not_open':
          return { title: t('attendee.advice.tunnelNotOpen.title'), body: t('attendee.advice.tunnelNotOpen.body'), showKey: true };
        case 'tunnel_closed':
          return { title: t('attendee.advice.tunnelClosed.title'), body: t('attendee.advice.tunnelClosed.body'), showKey: false };
        case 'tunnel_sshd_silent':
          return { title: t('attendee.advice.tunnelSshdSilent.title'), body: message || t('attendee.advice.tunnelSshdSilent.body'), showKey: false };
        case 'address_refused':
          return { title: t('attendee.advice.addressRefused.title'), body: message || t('attendee.advice.addressRefused.body'), showKey: false };
        case 'commands_blocked':
        case 'error':
        case null:
          return { title: t('attendee.advice.error.title'), body: message || t('attendee.advice.error.body'), showKey: true };
      }
  }
}
