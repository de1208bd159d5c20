import { isCoded, type Coded } from '$server/contract/i18n/coded';
import type { ImportProblem, ImportRejectedView, ImportResultView } from '$server/contract/imports';
import { reasonText } from '../i18n/reason';

export type ImportOutcome = { ok: true; result: ImportResultView } | { ok: false; message: string; problems: ImportProblem[] };

/** Sends the CSV; a 400 comes back with every problem by line and column, and nothing imported. Words in the reader's language. */
export async function importVms(csv: string): Promise<ImportOutcome> {
  let response: Response;
  try {
    response = await fetch('/api/attendees/import', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ csv }),
      credentials: 'same-origin',
    });
  } catch {
    return { ok: false, message: reasonText({ code: 'unreachable_server' }), problems: [] };
  }
  const body = (await response.json().catch(() => ({}))) as Partial<ImportRejectedView & ImportResultView> & {
    fields?: Record<string, string>;
    error?: unknown;
    fieldErrors?: Record<string, unknown>;
  };
  if (response.ok && body.imported) return { ok: true, result: { imported: body.imported } };
  // A coded reason (the reader's language) when the server sends one, else its words as sent.
  const message = isCoded(body.error) ? reasonText(body.error) : typeof body.message === 'string' ? body.message : response.statusText;
  const fieldCodes = Object.values(body.fieldErrors ?? {}).filter((value): value is Coded => isCoded(value));
  const fieldTexts = fieldCodes.length > 0 ? fieldCodes.map((coded) => reasonText(coded)) : Object.values(body.fields ?? {});
  const fieldText = fieldTexts.join('; ');
  return {
    ok: false,
    message: [message, fieldText].filter(Boolean).join(': '),
    problems: body.problems ?? [],
  };
}
