import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export class DownloadError extends Error {}

export interface Downloaded {
  sha256: string;
  bytes: number;
}

/** Downloads one URL into a file: what `navigator kit fetch` and `kit lock` use, and what their tests point at a local server. */
export interface Downloader {
  download(url: string, file: string): Promise<Downloaded>;
}

const MAX_REDIRECTS = 10;

/**
 * HTTP GET (http and https, any port: fetch() refuses some, a local mirror may use one), following redirects, into
 * a new file, hashing it on the way. Gives up when nothing arrives for `idleTimeoutMs` (a slow link may take minutes
 * for a large file; a dead one says nothing).
 */
export class HttpDownloader implements Downloader {
  constructor(private readonly idleTimeoutMs = 30_000) {}

  async download(url: string, file: string): Promise<Downloaded> {
    let current = new URL(url);
    for (let redirects = 0; ; redirects++) {
      const { response, stalled } = await this.get(current);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location) {
        response.resume();
        if (redirects >= MAX_REDIRECTS) throw new DownloadError(`more than ${MAX_REDIRECTS} redirects`);
        current = new URL(location, current);
        if (current.protocol !== 'http:' && current.protocol !== 'https:') throw new DownloadError(`redirected to a ${current.protocol} URL`);
        continue;
      }
      if (status !== 200) {
        response.resume();
        throw new DownloadError(`HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}`);
      }
      const hash = createHash('sha256');
      let bytes = 0;
      const count = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(response, count, fs.createWriteStream(file, { flags: 'wx', mode: 0o644 })).catch((error: unknown) => {
        throw new DownloadError(stalled() ? `stalled: nothing for ${this.idleTimeoutMs / 1000} s after ${bytes} bytes` : describe(error));
      });
      return { sha256: hash.digest('hex'), bytes };
    }
  }

  private get(url: URL): Promise<{ response: http.IncomingMessage; stalled: () => boolean }> {
    return new Promise((resolve, reject) => {
      let stalled = false;
      const request = (url.protocol === 'https:' ? https : http).get(url, { headers: { 'user-agent': 'navigator-kit' } }, (response) =>
        resolve({ response, stalled: () => stalled }),
      );
      // The socket's idle time: before the answer and between its chunks.
      request.setTimeout(this.idleTimeoutMs, () => {
        stalled = true;
        request.destroy(new DownloadError(`no answer within ${this.idleTimeoutMs / 1000} s`));
      });
      request.on('error', (error) => reject(error instanceof DownloadError ? error : new DownloadError(describe(error))));
    });
  }
}

function describe(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return code && message && !message.includes(code) ? `${code}: ${message}` : (message ?? code ?? String(error));
}
