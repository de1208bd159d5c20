/**
 * Incremental HTTP/1.1 response parser for requests carried over an SSH channel. It reports the
 * response complete as soon as the body ends (Content-Length or the last chunk), so the caller
 * need not wait for the channel to close.
 */
export interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The response ended by its own framing and the server did not ask to close: the connection can carry another request. */
  reusable: boolean;
}

/** The body passed the cap: the check fails with this, whatever the framing (sized, chunked or until close). */
export class ResponseTooLarge extends Error {
  constructor(readonly maxBodyBytes: number) {
    super(`response too large: over ${Math.round(maxBodyBytes / 1024)} KiB`);
  }
}

export class HttpResponseParser {
  /** Received bytes, grown by doubling so that assembling a response is linear in its size. Bytes past `length` are never read. */
  private storage = Buffer.allocUnsafe(0);
  private length = 0;
  private head: Head | null = null;
  /** Chunked decoding resumes where it stopped: each byte is looked at once. */
  private readonly chunks = { offset: 0, parts: [] as Buffer[], size: 0 };

  constructor(private readonly maxBodyBytes: number) {}

  /** The received bytes: one view per push, not one per look. */
  private buffer = this.storage.subarray(0, 0);

  private append(chunk: Buffer): void {
    if (this.length + chunk.length > this.storage.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.storage.length * 2, this.length + chunk.length, 4096));
      this.storage.copy(grown, 0, 0, this.length);
      this.storage = grown;
    }
    chunk.copy(this.storage, this.length);
    this.length += chunk.length;
    this.buffer = this.storage.subarray(0, this.length);
  }

  /** Feeds bytes; returns the response once it is complete, else null. Throws on a malformed or too large response. */
  push(chunk: Buffer): ParsedResponse | null {
    this.append(chunk);
    if (!this.head) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.length > 64 * 1024) throw new Error('malformed response: headers over 64 KiB');
        return null;
      }
      this.head = parseHead(this.buffer.subarray(0, end).toString('latin1'), end + 4);
    }
    return this.tryComplete(false);
  }

  /** The stream ended: whatever body there is, is the body (HTTP/1.0 style, Connection: close). */
  end(): ParsedResponse {
    if (!this.head) throw new Error('malformed response: the connection closed before the headers ended');
    const complete = this.tryComplete(true);
    if (!complete) throw new Error('malformed response: the connection closed in the middle of the body');
    return complete;
  }

  private tryComplete(ended: boolean): ParsedResponse | null {
    const head = this.head!;
    const raw = this.buffer.subarray(head.bodyStart);
    const { status, headers } = head;
    const framed = (body: Buffer, exact: boolean) => ({ status, headers, body, reusable: exact && head.keepAlive });
    if ((headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked')) {
      const decoded = this.decodeChunked(raw, ended);
      return decoded ? framed(decoded.body, decoded.consumed === raw.length) : null;
    }
    const length = headers['content-length'];
    if (length !== undefined) {
      const expected = Number(length);
      if (!Number.isInteger(expected) || expected < 0) throw new Error('malformed response: bad Content-Length');
      if (expected > this.maxBodyBytes) throw new ResponseTooLarge(this.maxBodyBytes);
      if (raw.length >= expected) return framed(raw.subarray(0, expected), raw.length === expected);
      return null;
    }
    if (status === 204 || status === 304) return framed(Buffer.alloc(0), raw.length === 0);
    if (raw.length > this.maxBodyBytes) throw new ResponseTooLarge(this.maxBodyBytes);
    return ended ? framed(raw, false) : null;
  }

  /**
   * The decoded body once the last chunk has arrived, else null. `consumed` counts the bytes up to the
   * end of the message, trailers included, so a kept-alive channel starts its next response clean.
   */
  private decodeChunked(raw: Buffer, ended: boolean): { body: Buffer; consumed: number | null } | null {
    const state = this.chunks;
    for (;;) {
      const lineEnd = raw.indexOf('\r\n', state.offset);
      if (lineEnd < 0) {
        if (raw.length - state.offset > 1024) throw new Error('malformed response: chunk size line over 1 KiB');
        return null;
      }
      const size = parseInt(raw.subarray(state.offset, lineEnd).toString('latin1').split(';')[0], 16);
      if (Number.isNaN(size) || size < 0) throw new Error('malformed response: bad chunk size');
      if (size === 0) {
        const trailersEnd = raw.subarray(lineEnd, lineEnd + 4).equals(Buffer.from('\r\n\r\n')) ? lineEnd + 4 : raw.indexOf('\r\n\r\n', lineEnd) + 4;
        if (trailersEnd < 4 && !ended) return null;
        return { body: Buffer.concat(state.parts, state.size), consumed: trailersEnd < 4 ? null : trailersEnd };
      }
      if (state.size + size > this.maxBodyBytes) throw new ResponseTooLarge(this.maxBodyBytes);
      const start = lineEnd + 2;
      if (raw.length < start + size + 2) return null;
      state.parts.push(raw.subarray(start, start + size));
      state.size += size;
      state.offset = start + size + 2;
    }
  }
}

interface Head {
  status: number;
  headers: Record<string, string>;
  bodyStart: number;
  keepAlive: boolean;
}

function parseHead(text: string, bodyStart: number): Head {
  const [statusLine, ...lines] = text.split('\r\n');
  const match = /^HTTP\/1\.([01]) (\d{3})/.exec(statusLine);
  if (!match) throw new Error(`malformed response: status line ${JSON.stringify(statusLine.slice(0, 60))}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const connection = (headers.connection ?? '').toLowerCase();
  const keepAlive = match[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
  return { status: Number(match[2]), headers, bodyStart, keepAlive };
}
