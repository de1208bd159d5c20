import { isCoded, type Coded } from '$server/contract/i18n/coded';

/**
 * JSON over fetch with the server's error shape turned into something a page can show: `message`
 * and `fields` in English, `coded` and `fieldCodes` for the reader's language (`errorText()`).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: Record<string, string> = {},
    readonly coded: Coded | null = null,
    readonly fieldCodes: Record<string, Coded> = {},
  ) {
    super(message);
  }
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers: init.body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'Navigator cannot be reached. Check your network and try again.', {}, { code: 'unreachable_server' });
  }
  const text = await response.text();
  const data: unknown = text ? safeJson(text) : null;
  if (!response.ok) {
    const body = (data ?? {}) as { message?: unknown; fields?: Record<string, string>; error?: unknown; fieldErrors?: Record<string, unknown> };
    const message = typeof body.message === 'string' ? body.message : Array.isArray(body.message) ? body.message.join('; ') : response.statusText;
    const fieldCodes = Object.fromEntries(Object.entries(body.fieldErrors ?? {}).filter((entry): entry is [string, Coded] => isCoded(entry[1])));
    throw new ApiError(response.status, message, body.fields ?? {}, isCoded(body.error) ? body.error : null, fieldCodes);
  }
  return data as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 200) };
  }
}

/** Signs this browser out of every role, then leaves for the start page (the personal link still works). */
export async function signOut(): Promise<void> {
  await api('/auth/logout', { method: 'POST' }).catch(() => undefined);
  location.assign('/');
}
