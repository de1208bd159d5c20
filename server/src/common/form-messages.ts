import type { z } from 'zod';
import { coded, isCoded, type Coded, type ReasonCode } from '../contract/i18n/coded';
import { englishText } from '../contract/i18n/english';

/** The English text of every schema message made with formMessage, with its code. */
const byText = new Map<string, Coded>();

/**
 * A schema's message for a person (`.min(1, formMessage('form.name_required'))`): its English text,
 * remembered with its code, so a refused form says both (ZodPipe's `fields` and `fieldErrors`).
 */
export function formMessage(code: ReasonCode, values?: Record<string, string | number>): string {
  const reason = coded(code, values);
  const text = englishText(reason);
  byText.set(text, reason);
  return text;
}

/** A custom issue (superRefine) with its code: `context.addIssue({ code: 'custom', ...formIssue(...) })`. */
export function formIssue(code: ReasonCode, values?: Record<string, string | number>): { message: string; params: { coded: Coded } } {
  const reason = coded(code, values);
  return { message: englishText(reason), params: { coded: reason } };
}

/** The code of a zod issue's message, when it has one; an issue without (zod's own words) keeps its English only. */
export function issueCode(issue: z.ZodError['issues'][number]): Coded | null {
  if (issue.code === 'unrecognized_keys') return coded('form.unexpected_field');
  const params = issue.code === 'custom' ? (issue.params as { coded?: unknown } | undefined) : undefined;
  if (params && isCoded(params.coded)) return params.coded;
  return byText.get(issue.message) ?? null;
}
