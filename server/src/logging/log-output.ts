import { Writable } from 'node:stream';
import { redactSecrets } from './log-redaction';

export type LogFormat = 'text' | 'json';

interface PinoRecord {
  level: number;
  time?: string | number;
  msg?: string;
  context?: string;
  reqId?: string;
  req?: { id?: string };
  err?: { stack?: string; message?: string };
  responseTime?: number;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** One log record as a line a person reads in a terminal or the journal. */
export function textLine(record: PinoRecord): string {
  const level = (LEVEL_NAMES[record.level] ?? String(record.level)).padEnd(5);
  const time = typeof record.time === 'string' ? record.time : new Date(record.time ?? Date.now()).toISOString();
  const context = record.context ? `[${record.context}] ` : '';
  const requestId = record.reqId ?? record.req?.id;
  const details = [record.responseTime !== undefined ? `${record.responseTime} ms` : null, requestId ? `req ${requestId}` : null].filter(Boolean);
  const stack = record.err?.stack ? `\n${record.err.stack}` : '';
  return `${time} ${level} ${context}${record.msg ?? ''}${details.length > 0 ? ` (${details.join(', ')})` : ''}${stack}`;
}

/**
 * Where pino writes: every line is scrubbed of tokens, then written as JSON (for log shippers) or as
 * text. Synchronous, like pino's own stdout destination, so nothing is lost when the process exits.
 */
export class LogOutput extends Writable {
  private readonly secrets = new Set<string>();

  constructor(
    private readonly format: LogFormat,
    private readonly write_: (line: string) => void = (line) => process.stdout.write(line),
  ) {
    super({ decodeStrings: false });
  }

  /** Values that must never appear in a log line, e.g. the navigator secret once it is known. */
  protect(...values: string[]): void {
    for (const value of values) if (value) this.secrets.add(value);
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    for (const raw of chunk.toString().split('\n')) {
      if (raw.length === 0) continue;
      const line = redactSecrets(raw, this.secrets);
      if (this.format === 'json') this.write_(line + '\n');
      else {
        try {
          this.write_(textLine(JSON.parse(line) as PinoRecord) + '\n');
        } catch {
          this.write_(line + '\n');
        }
      }
    }
    callback();
  }
}
