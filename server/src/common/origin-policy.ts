import type { IncomingHttpHeaders } from 'node:http';

/**
 * Which web origins may drive Navigator from a browser: the origin of NAVIGATOR_PUBLIC_URL, those
 * listed in NAVIGATOR_ALLOWED_ORIGINS, and the address the request itself was sent to (its Host).
 * A page anywhere else (another site, another port of the same host) is refused: it would act with
 * the visitor's cookies. Requests without an Origin come from non-browser clients or same-origin
 * reads; cookies alone never let a cross-site page through.
 */
export class OriginPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.allowed = new Set(origins.map((origin) => new URL(origin).origin));
  }

  /** Whether a browser page at `origin` may talk to this server reached as `host`. */
  allows(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // "null" (sandboxed frames, file:) and garbage
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    if (this.allowed.has(url.origin)) return true;
    return host !== undefined && url.host === host.toLowerCase();
  }

  /**
   * Why a state-changing request must be refused, or null: an Origin that is not allowed, or (when a
   * browser sends no Origin) Sec-Fetch-Site saying the request came from another site.
   */
  refusal(headers: IncomingHttpHeaders): string | null {
    const origin = headers.origin;
    if (origin !== undefined) return this.allows(origin, headers.host) ? null : `requests from ${origin} are not accepted`;
    const site = headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return `a ${site} request is not accepted`;
    return null;
  }
}
