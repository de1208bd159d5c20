import { describe, expect, it } from 'vitest';
import { redactSecrets } from './log-redaction';

describe('redactSecrets', () => {
  it.each([
    ['GET /auth/navigator?token=Zm9vYmFyYmF6cXV4cXV1eA 303', 'GET /auth/navigator?token=[redacted] 303'],
    ['GET /auth/projector?x=1&token=abc.def-ghi&y=2', 'GET /auth/projector?x=1&token=[redacted]&y=2'],
    ['{"url":"/a/q1w2e3r4t5y6u7i8o9p0asdfghjklzxc"}', '{"url":"/a/[redacted]"}'],
    ['GET /h/q1w2e3r4t5y6u7i8o9p0asdfghjklzxc 303', 'GET /h/[redacted] 303'],
    ['GET /shared/retro/Zm9vYmFyYmF6cXV4cXV1eA 200', 'GET /shared/retro/[redacted] 200'],
    ['GET /api/shared/Zm9vYmFyYmF6cXV4cXV1eA/retrospective.md', 'GET /api/shared/[redacted]/retrospective.md'],
    ['authorization: Bearer s3cr3t-t0ken', 'authorization: [redacted]'.replace('[redacted]', 'Bearer [redacted]')],
    ['cookie: navigator_navigator=abc123; navigator_attendee=def456', 'cookie: navigator_navigator=[redacted]; navigator_attendee=[redacted]'],
    ['cookie: navigator_helper=abc123', 'cookie: navigator_helper=[redacted]'],
  ])('%s', (line, expected) => {
    expect(redactSecrets(line)).toBe(expected);
  });

  it('removes known secret values wherever they appear, and leaves other text alone', () => {
    expect(redactSecrets('secret is aVeryLongSecretValue here', ['aVeryLongSecretValue'])).toBe('secret is [redacted] here');
    expect(redactSecrets('GET /api/attendees 200 /join/K7QX2M')).toBe('GET /api/attendees 200 /join/K7QX2M');
  });
});
