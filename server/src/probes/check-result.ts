export type CheckStatus = 'pass' | 'fail' | 'error';

/** One check's outcome in one sweep. `reason` is for people; `output` is a bounded tail for the navigator. */
export interface CheckResult {
  checkId: string;
  status: CheckStatus;
  reason: string | null;
  output: string | null;
}

export const OUTPUT_TAIL_BYTES = 2000;

export function tail(text: string, max = OUTPUT_TAIL_BYTES): string {
  return text.length <= max ? text : '…' + text.slice(text.length - max);
}
