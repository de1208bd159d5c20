import { describe, expect, it } from 'vitest';
import { LogOutput, textLine } from './log-output';

function written(format: 'text' | 'json', secrets: string[], ...records: object[]): string[] {
  const lines: string[] = [];
  const output = new LogOutput(format, (line) => lines.push(line));
  output.protect(...secrets);
  output.write(records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return lines;
}

describe('LogOutput', () => {
  it('writes JSON lines unchanged except for secrets', () => {
    const lines = written('json', ['theNavigatorSecretValue'], { level: 30, msg: 'hello theNavigatorSecretValue', req: { url: '/a/abcdefghijklmnop' } });
    expect(JSON.parse(lines[0])).toEqual({ level: 30, msg: 'hello [redacted]', req: { url: '/a/[redacted]' } });
  });

  it('writes text a person reads: time, level, context, message, request id', () => {
    expect(textLine({ level: 40, time: '2026-12-01T10:00:00.000Z', context: 'ProbeService', msg: 'probe failed' })).toBe(
      '2026-12-01T10:00:00.000Z WARN  [ProbeService] probe failed',
    );
    expect(
      written('text', [], { level: 20, time: '2026-12-01T10:00:00.000Z', msg: 'GET /auth/navigator?token=x1 303', req: { id: 'r1' }, responseTime: 4 }),
    ).toEqual(['2026-12-01T10:00:00.000Z DEBUG GET /auth/navigator?token=[redacted] 303 (4 ms, req r1)\n']);
  });
});
