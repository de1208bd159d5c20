import type reasons from './reasons';

/** Every code the reasons catalog has: its keys without `reasons.`. */
export type ReasonCode = keyof typeof reasons.en extends `reasons.${infer Code}` ? Code : never;

/**
 * A message for people as a code with values (`reasons.<code>` in the catalog), so each page
 * renders it in its reader's language. The server renders the same code in English for its logs.
 */
export interface Coded {
  code: ReasonCode;
  values?: Record<string, string | number>;
}

export function isCoded(value: unknown): value is Coded {
  return typeof value === 'object' && value !== null && typeof (value as Coded).code === 'string';
}

/** A Coded with its values, when it has any. */
export function coded(code: ReasonCode, values?: Record<string, string | number>): Coded {
  return values === undefined ? { code } : { code, values };
}

/** The same code with the same values (a reason that did not change). */
export function sameReason(a: Coded | string | null | undefined, b: Coded | string | null | undefined): boolean {
  if (a === b) return true;
  if (!isCoded(a) || !isCoded(b) || a.code !== b.code) return false;
  const left = a.values ?? {};
  const right = b.values ?? {};
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((key) => left[key] === right[key]);
}
