import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import { MessageFormatter } from './catalog';
import type { Coded, ReasonCode } from './coded';
import { englishText } from './english';
import reasons from './reasons';

/** Codes whose whole message is data (what an account printed): the same in every language. */
const DATA_ONLY = new Set<ReasonCode>(['connection.account_printed']);

/** Every argument of a message: simple ones get a sample value, each select is tried with each of its options. */
function argumentsOf(elements: MessageFormatElement[], simple = new Set<string>(), selects = new Map<string, string[]>(), counts = new Set<string>()) {
  for (const element of elements) {
    if (element.type === TYPE.argument || element.type === TYPE.number) simple.add(element.value);
    if (element.type === TYPE.plural) {
      counts.add(element.value);
      for (const option of Object.values(element.options)) argumentsOf(option.value, simple, selects, counts);
    }
    if (element.type === TYPE.select) {
      selects.set(element.value, Object.keys(element.options));
      for (const option of Object.values(element.options)) argumentsOf(option.value, simple, selects, counts);
    }
  }
  return { simple, selects, counts };
}

/** Sample values for a code: one set per option of its selects (every branch rendered). */
function samples(code: ReasonCode): Record<string, string | number>[] {
  const { simple, selects, counts } = argumentsOf(parse(reasons.en[`reasons.${code}`]));
  const base = Object.fromEntries([...simple].map((name, i) => [name, i % 2 === 0 ? 4242 + i : `value-${name}`]));
  // Plurals are rendered with one and with many.
  if (counts.size > 0) return [1, 3].map((count) => ({ ...base, ...Object.fromEntries([...counts].map((name) => [name, count])) }));
  if (selects.size === 0) return [base];
  return [...selects].flatMap(([name, options]) =>
    options.map((option) => ({ ...base, ...Object.fromEntries([...selects.keys()].map((n) => [n, 'other'])), [name]: option })),
  );
}

const codes = Object.keys(reasons.en).map((key) => key.slice('reasons.'.length) as ReasonCode);
const japanese = new MessageFormatter(reasons, 'ja');

describe('the reasons catalog', () => {
  it('renders every code in English and Japanese with sample values: never the key, never a raw argument, Japanese not English', () => {
    expect(codes.length).toBeGreaterThan(100);
    for (const code of codes) {
      for (const values of samples(code)) {
        const en = englishText({ code, values });
        const ja = japanese.format(`reasons.${code}`, values);
        for (const text of [en, ja]) {
          expect(text, code).not.toContain('reasons.');
          expect(text, code).not.toMatch(/[{}]/);
          expect(text.trim(), code).not.toBe('');
        }
        if (!DATA_ONLY.has(code)) expect(ja, `${code} in Japanese`).not.toBe(en);
      }
    }
  });

  it('says in English what the server said before codes', () => {
    const said = (code: ReasonCode, values?: Coded['values']) => englishText({ code, values });
    // Data shows as sent: a number is not grouped ("8080", not "8,080").
    expect(said('check.http_status', { status: 503, port: 8080, expected: 200 })).toBe('HTTP 503 from port 8080, expected 200');
    expect(japanese.format('reasons.check.port_closed', { port: 10250 })).toBe('ポート 10250 で何も応答しません');
    expect(said('check.exit_code_command', { exitCode: 1, command: 'test -f /etc/x' })).toBe('exit code 1 from `test -f /etc/x`');
    expect(said('address.refused', { address: '169.254.169.254', category: 'metadata' })).toBe(
      "169.254.169.254 is a cloud provider's metadata service, not a VM",
    );
    expect(said('address.refused_resolved', { host: 'a.example', address: '0.0.0.0', category: 'unspecified' })).toBe(
      'a.example resolves to 0.0.0.0, which is an "any address" placeholder, not a machine',
    );
    expect(said('form.text_problem', { subject: 'name', problem: 'line_breaks' })).toBe('your name contains line breaks');
    expect(said('form.text_problem', { subject: 'it', problem: 'stacked_marks' })).toBe('it stacks too many accents on one letter');
    expect(said('check.metric_value', { metric: 'up', value: 0, range: 'between', min: 1, max: 2 })).toBe('up is 0, expected between 1 and 2');
    expect(said('limit.body_too_large', { size: 98, limit: 64 })).toBe('The request body is 98 kB; the limit is 64 kB.');
    expect(said('unreachable.auth_rejected')).toBe("Navigator's key is not in ~/.ssh/authorized_keys yet.");
  });
});
