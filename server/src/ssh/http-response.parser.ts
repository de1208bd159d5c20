/**
 * Incremental HTTP/1.1 response parser for requests carried over an SSH channel. It reports the
 * response complete as soon as the body ends (Content-Length or the last chunk), so the caller
 * need not wait for the channel to close.
 */
export interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export class HttpResponseParser {
  private buffer = Buffer.alloc(0);
  private head: { status: number; headers: Record<string, string>; bodyStart: number } | null = null;
  truncated = false;

  constructor(private readonly maxBodyBytes: number) {}

  /** Feeds bytes; returns the response once it is complete, else null. Throws on a malformed response. */
  push(chunk: Buffer): ParsedResponse | null {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (!this.head) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.buffer.length > 64 * 1024) throw new Error('malformed response: headers over 64 KiB');
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
    if ((headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked')) {
      const body = decodeChunked(raw);
      if (body) return { status, headers, body: this.bounded(body) };
      return null;
    }
    const length = headers['content-length'];
    if (length !== undefined) {
      const expected = Number(length);
      if (!Number.isInteger(expected) || expected < 0) throw new Error('malformed response: bad Content-Length');
      if (raw.length >= expected) return { status, headers, body: this.bounded(raw.subarray(0, expected)) };
      if (raw.length > this.maxBodyBytes) return { status, headers, body: this.bounded(raw) };
      return null;
    }
    if (status === 204 || status === 304) return { status, headers, body: Buffer.alloc(0) };
    if (raw.length > this.maxBodyBytes) return { status, headers, body: this.bounded(raw) };
    return ended ? { status, headers, body: this.bounded(raw) } : null;
  }

  private bounded(body: Buffer): Buffer {
    if (body.length <= this.maxBodyBytes) return body;
    this.truncated = true;
    return body.subarray(0, this.maxBodyBytes);
  }
}

function parseHead(text: string, bodyStart: number): { status: number; headers: Record<string, string>; bodyStart: number } {
  const [statusLine, ...lines] = text.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) throw new Error(`malformed response: status line ${JSON.stringify(statusLine.slice(0, 60))}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(match[1]), headers, bodyStart };
}

/** The decoded body once the terminating zero-size chunk has arrived, else null. */
function decodeChunked(raw: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', offset);
    if (lineEnd < 0) return null;
    const size = parseInt(raw.subarray(offset, lineEnd).toString('latin1').split(';')[0], 16);
    if (Number.isNaN(size)) throw new Error('malformed response: bad chunk size');
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (raw.length < start + size + 2) return null;
    parts.push(raw.subarray(start, start + size));
    offset = start + size + 2;
  }
}
