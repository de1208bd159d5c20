/**
 * A message for people as a code with values (`reasons.<code>` in the catalog), so each page
 * renders it in its reader's language. The server renders the same code in English for its logs.
 */
export interface Coded {
  code: string;
  values?: Record<string, string | number>;
}

export function isCoded(value: unknown): value is Coded {
  return typeof value === 'object' && value !== null && typeof (value as Coded).code === 'string';
}
