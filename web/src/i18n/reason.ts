import type { Coded } from '$server/contract/i18n/coded';
import { ApiError } from '$lib/api';
import { t } from './i18n.svelte';
import { messages, type MessageKey } from './messages';

/**
 * A reason or message the server sent (a check's failure, why a VM is unreachable, why a form was
 * refused) in the reader's language. Codes the catalog does not know yet (a newer server) and
 * plain strings show as sent.
 */
export function reasonText(reason: Coded | string | null | undefined): string {
  if (reason === null || reason === undefined) return '';
  if (typeof reason === 'string') return reason;
  const key = `reasons.${reason.code}`;
  return key in messages.en ? t(key as MessageKey, reason.values) : reason.code;
}

/** What went wrong with a request, for the person who made it. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.coded ? reasonText(error.coded) : error.message;
  return error instanceof Error ? error.message : String(error);
}

/** A form field's problem from a refused request, or '' when the field was fine. */
export function fieldErrorText(error: unknown, field: string): string {
  if (!(error instanceof ApiError)) return '';
  const coded = error.fieldCodes[field];
  return coded ? reasonText(coded) : (error.fields[field] ?? '');
}
