/**
 * Tokens travel in URLs (`/auth/navigator?token=…`, `/a/<token>`, a helper's `/h/<token>`, a retrospective's share link
 * `/shared/retro/<token>` and `/api/shared/<token>/…`) and headers. Every log line passes
 * through `redactSecrets` before it is written, so none reaches a terminal, a file or a log shipper.
 */
export const REDACTED = '[redacted]';

const PATTERNS: [RegExp, string][] = [
  [/([?&;](?:token|secret|key)=)[^&#\s"'\\]+/gi, `$1${REDACTED}`],
  [/(\/[ah]\/)[A-Za-z0-9_-]{8,}/g, `$1${REDACTED}`],
  [/(\/shared\/(?:retro\/)?)[A-Za-z0-9_-]{8,}/g, `$1${REDACTED}`],
  [/(\bBearer\s+)[^\s"'\\]+/gi, `$1${REDACTED}`],
  [/(\bnavigator_(?:navigator|helper|projector|attendee)=)[^;\s"'\\]+/g, `$1${REDACTED}`],
];

export function redactSecrets(text: string, known: Iterable<string> = []): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  for (const secret of known) if (secret.length >= 8) out = out.split(secret).join(REDACTED);
  return out;
}
