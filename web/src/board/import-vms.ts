import type { ImportProblem, ImportRejectedView, ImportResultView } from '$server/contract/imports';

export type ImportOutcome = { ok: true; result: ImportResultView } | { ok: false; message: string; problems: ImportProblem[] };

/** Sends the CSV; a 400 comes back with every problem by line and column, and nothing imported. */
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
    return { ok: false, message: 'Navigator cannot be reached. Check your network and try again.', problems: [] };
  }
  const body = (await response.json().catch(() => ({}))) as Partial<ImportRejectedView & ImportResultView> & { fields?: Record<string, string> };
  if (response.ok && body.imported) return { ok: true, result: { imported: body.imported } };
  const fieldText = body.fields ? Object.values(body.fields).join('; ') : '';
  return {
    ok: false,
    message: [typeof body.message === 'string' ? body.message : response.statusText, fieldText].filter(Boolean).join(': '),
    problems: body.problems ?? [],
  };
}
