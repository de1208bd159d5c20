import { lookup } from 'node:dns/promises';
import { Semaphore } from './semaphore';

export type LookupOutcome = { kind: 'found'; addresses: string[] } | { kind: 'not-found' } | { kind: 'no-answer'; detail: string };

type Lookup = (host: string) => Promise<string[]>;

const NOT_FOUND_CODES = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA']);

/**
 * DNS lookups with a ceiling. `getaddrinfo` runs on libuv's small thread pool (4 threads, shared
 * with file I/O), so a room of typos or a script registering unresolvable names must not fill it:
 * at most `limit` lookups run at once, callers asking for a name already being looked up share that
 * lookup, and a caller that waited `timeoutMs` (queued or running) is told "no answer", which is not
 * "not found" and never "allowed". A lookup that times out keeps its slot until it really ends.
 */
export class BoundedResolver {
  private readonly slots: Semaphore;
  private readonly pending = new Map<string, Promise<LookupOutcome>>();

  constructor(
    limit = 4,
    private readonly timeoutMs = 5000,
    private readonly lookupAll: Lookup = systemLookup,
  ) {
    this.slots = new Semaphore(limit);
  }

  /** Lookups running or queued now (for tests and metrics). */
  get inFlight(): number {
    return this.pending.size;
  }

  resolve(host: string): Promise<LookupOutcome> {
    const key = host.toLowerCase();
    const shared = this.pending.get(key);
    if (shared) return shared;
    const outcome = this.withDeadline(key);
    this.pending.set(key, outcome);
    void outcome.finally(() => this.pending.delete(key));
    return outcome;
  }

  private withDeadline(host: string): Promise<LookupOutcome> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (outcome: LookupOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(
        () => settle({ kind: 'no-answer', detail: `the DNS lookup did not answer within ${Math.round(this.timeoutMs / 1000)} s` }),
        this.timeoutMs,
      );
      timer.unref();
      // A caller that gave up while queued has its answer already: its lookup is not started late.
      void this.slots.run(async () => {
        if (!settled) settle(await this.lookupOnce(host));
      });
    });
  }

  private async lookupOnce(host: string): Promise<LookupOutcome> {
    try {
      const addresses = await this.lookupAll(host);
      return addresses.length > 0 ? { kind: 'found', addresses } : { kind: 'not-found' };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (NOT_FOUND_CODES.has(code)) return { kind: 'not-found' };
      return { kind: 'no-answer', detail: `the DNS lookup failed (${code || (error as Error).message})` };
    }
  }
}

async function systemLookup(host: string): Promise<string[]> {
  const results = await lookup(host, { all: true, verbatim: true });
  return results.map((result) => result.address);
}
