import type { UnreachableReason } from './ssh.types';

const CODE_REASONS: Record<string, UnreachableReason> = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NONAME: 'dns',
  EHOSTUNREACH: 'network',
  ENETUNREACH: 'network',
  EHOSTDOWN: 'network',
  ENETDOWN: 'network',
  ECONNRESET: 'error',
};

/** Turns whatever ssh2 or the socket threw into the reason an attendee can act on. */
export function classifyConnectError(error: unknown): UnreachableReason {
  const { code, level, message } = (error ?? {}) as { code?: string; level?: string; message?: string };
  const byCode = code ? CODE_REASONS[code] : undefined;
  if (byCode) return byCode;
  if (level === 'client-authentication' || /authentication methods failed/i.test(message ?? '')) return 'auth_rejected';
  if (/host key|hostVerifier|Host denied/i.test(message ?? '')) return 'host_key_changed';
  if (/timed out|timeout/i.test(message ?? '')) return 'timeout';
  return 'error';
}
