import type { UnreachableReason } from './ssh.types';

/** Turns whatever ssh2 or the socket threw into the reason an attendee can act on. */
export function classifyConnectError(error: unknown): UnreachableReason {
  const { code, level, message } = (error ?? {}) as { code?: string; level?: string; message?: string };
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return 'dns';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return 'network';
    case 'ECONNRESET':
      return 'error';
  }
  if (level === 'client-authentication' || /authentication methods failed/i.test(message ?? '')) return 'auth_rejected';
  if (/host key|hostVerifier|Host denied/i.test(message ?? '')) return 'host_key_changed';
  if (/timed out|timeout/i.test(message ?? '')) return 'timeout';
  return 'error';
}
