import { MessageFormatter } from './catalog';
import { coded, type Coded, type ReasonCode } from './coded';
import reasons from './reasons';

const english = new MessageFormatter(reasons, 'en');

/** A code in English: what the server writes to its logs, exports, archives and the command line. */
export function englishText(reason: Coded): string {
  return english.format(`reasons.${reason.code}`, reason.values);
}

/** A stored or sent reason as English text: a Coded rendered, a plain string (an older archive, a restored status) as it is. */
export function englishReason(reason: Coded | string | null | undefined): string | null {
  if (reason === null || reason === undefined) return null;
  return typeof reason === 'string' ? reason : englishText(reason);
}

/** An error whose message is a code: `message` is its English text, `coded` what a page renders. */
export class CodedError extends Error {
  constructor(
    readonly coded: Coded,
    options?: ErrorOptions,
  ) {
    super(englishText(coded), options);
  }
}

/** A refused command's acknowledgement: the English sentence for scripts and logs, the code for pages. */
export function refusal(code: ReasonCode, values?: Record<string, string | number>): { ok: false; error: string; coded: Coded } {
  const reason = coded(code, values);
  return { ok: false, error: englishText(reason), coded: reason };
}
