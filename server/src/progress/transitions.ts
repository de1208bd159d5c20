import type { CheckResult, CheckStatus } from '../contract/checks';
import type { Coded } from '../contract/i18n/coded';
import { englishReason } from '../contract/i18n/english';

export interface KnownCheck {
  status: CheckStatus;
  /** As the check said it; a string when read back from the database (English) until the check runs again. */
  reason: Coded | string | null;
  output: string | null;
  since: Date;
}

/** A stored status change: its reason in English, as history (the retrospective, exports, archives) reads it. */
export interface CheckTransition {
  checkId: string;
  from: CheckStatus | null;
  to: CheckStatus;
  reason: string | null;
  at: Date;
}

/**
 * Only status changes are history; a failing check whose reason changes (exit 1 → exit 2) is not a
 * new transition, but its latest reason is kept in memory for the pages.
 */
export function diffResults(
  known: ReadonlyMap<string, KnownCheck>,
  results: readonly CheckResult[],
  at: Date,
): { transitions: CheckTransition[]; next: Map<string, KnownCheck> } {
  const next = new Map(known);
  const transitions: CheckTransition[] = [];
  for (const result of results) {
    const previous = known.get(result.checkId);
    if (previous?.status !== result.status)
      transitions.push({ checkId: result.checkId, from: previous?.status ?? null, to: result.status, reason: englishReason(result.reason), at });
    next.set(result.checkId, {
      status: result.status,
      reason: result.reason,
      output: result.output,
      since: previous?.status === result.status ? previous.since : at,
    });
  }
  return { transitions, next };
}
