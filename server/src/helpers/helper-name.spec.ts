import { describe, expect, it } from 'vitest';
import { helperName, newHelperSchema } from './helper-name';

function problem(name: unknown): string | null {
  const result = helperName.safeParse(name);
  return result.success ? null : result.error.issues[0].message;
}

describe("a helper's name", () => {
  it('is trimmed and stored NFC', () => {
    expect(helperName.parse('  Sam  ')).toBe('Sam');
    expect(helperName.parse('Zoe\u0308')).toBe('Zoë');
  });

  it('is refused empty, over 60 characters, or not text', () => {
    expect(problem('   ')).toBe('give the helper a name');
    expect(problem(42)).toBe('give the helper a name');
    expect(problem('x'.repeat(60))).toBeNull();
    expect(problem('x'.repeat(61))).toBe('keep the name to 60 characters');
  });

  it('follows the rule for every name people type: no line breaks, invisible or direction-changing characters, stacked accents', () => {
    expect(problem('Sam\nNavigator')).toBe('the name contains line breaks');
    expect(problem('Sam\u202eoj')).toBe('the name contains invisible or direction-changing characters');
    expect(problem('Sa\u200bm')).toBe('the name contains invisible or direction-changing characters');
    expect(problem('S\u0301\u0302\u0303\u0304am')).toBe('the name stacks too many accents on one letter');
  });

  it('never passes for the navigator: "Navigator is on it" means the navigator', () => {
    for (const name of ['Navigator', 'NAVIGATOR', 'Nаvigator', 'nav1gator', 'Admin']) expect(problem(name), name).toMatch(/reserved for the navigator/);
  });

  it('comes in a body with nothing else', () => {
    expect(newHelperSchema.safeParse({ name: 'Sam' }).success).toBe(true);
    expect(newHelperSchema.safeParse({ name: 'Sam', token: 'mine' }).success).toBe(false);
  });
});
