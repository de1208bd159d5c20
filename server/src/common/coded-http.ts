import { HttpException } from '@nestjs/common';
import { coded, type Coded, type ReasonCode } from '../contract/i18n/coded';
import { englishText } from '../contract/i18n/english';

/**
 * A refused request's body: `message` and `fields` in English (scripts, logs, older pages), `error` and
 * `fieldErrors` as codes a page renders in its reader's language (web/src/lib/api.ts reads both).
 */
export interface CodedErrorBody {
  statusCode: number;
  message: string;
  error: Coded;
  fields?: Record<string, string>;
  fieldErrors?: Record<string, Coded>;
}

/** The body for a refusal; `fields` in English are the fieldErrors' English, plus any field whose problem has no code. */
export function codedErrorBody(
  statusCode: number,
  reason: Coded,
  fieldErrors?: Record<string, Coded>,
  englishOnly: Record<string, string> = {},
): CodedErrorBody {
  const body: CodedErrorBody = { statusCode, message: englishText(reason), error: reason };
  if (fieldErrors === undefined && Object.keys(englishOnly).length === 0) return body;
  const codes = fieldErrors ?? {};
  body.fields = { ...englishOnly, ...Object.fromEntries(Object.entries(codes).map(([field, why]) => [field, englishText(why)])) };
  body.fieldErrors = codes;
  return body;
}

/** An HttpException whose body says why as a code (and in English). */
export function codedHttpException(status: number, reason: Coded, fieldErrors?: Record<string, Coded>): HttpException {
  return new HttpException(codedErrorBody(status, reason, fieldErrors), status);
}

/** "Please fix the highlighted fields." with each field's problem. */
export function fieldsRefused(fieldErrors: Record<string, Coded>, status = 400, reason: Coded = coded('form.fix_fields')): HttpException {
  return codedHttpException(status, reason, fieldErrors);
}

export function refused(status: number, code: ReasonCode, values?: Record<string, string | number>): HttpException {
  return codedHttpException(status, coded(code, values));
}
