import { describe, expect, it } from 'vitest';
import { englishText } from '../contract/i18n/english';
import type { HttpResponse, RequestOptions } from '../ssh/ssh.types';
import { workshopSchema } from '../workshops/workshop.schema';
import { evaluateHttp, evaluatePromql } from './http.evaluator';
import { missingSample, parsePrometheusText } from './prometheus-text';

const samples = parsePrometheusText('up{job="a"} 1\nup{job="b"} 0\nload 0.5\n');
const answer =
  (body: string, seen: RequestOptions[] = []) =>
  async (_port: number, _path: string, options: RequestOptions) => {
    seen.push(options);
    return { status: 200, headers: {}, body, durationMs: 1 } satisfies HttpResponse;
  };
const vector = (...values: number[]) =>
  JSON.stringify({ status: 'success', data: { resultType: 'vector', result: values.map((v) => ({ metric: {}, value: [0, String(v)] })) } });
const workshop = workshopSchema.parse({
  id: 'w',
  title: 'W',
  steps: [{ id: 's', title: 'S', minutes: 1, checks: [{ id: 'c', title: 'C', ssh: { run: 'true' } }] }],
});

describe('metric conditions (version 2)', () => {
  it('max, and min with max: some sample within', () => {
    expect(missingSample(samples, { name: 'load', max: 1 })).toBeNull();
    const atMost = missingSample(samples, { name: 'load', max: 0.1 });
    expect(atMost).toEqual({ code: 'check.metric_value', values: { metric: 'load', value: 0.5, range: 'at_most', max: 0.1 } });
    expect(englishText(atMost!)).toBe('load is 0.5, expected at most 0.1');
    expect(missingSample(samples, { name: 'up', min: 1, max: 1 })).toBeNull();
  });

  it('quantifier all: every matching sample', () => {
    const all = missingSample(samples, { name: 'up', min: 1, quantifier: 'all' });
    expect(all).toEqual({ code: 'check.metric_value_all', values: { metric: 'up', value: 0, range: 'at_least', min: 1 } });
    expect(englishText(all!)).toBe('up is 0 on a sample, expected every sample at least 1');
    expect(missingSample(samples, { name: 'up', min: 0, quantifier: 'all' })).toBeNull();
  });

  it('absent: passes when no sample matches', () => {
    expect(missingSample(samples, { name: 'nope', absent: true })).toBeNull();
    expect(missingSample(samples, { name: 'up', labels: { job: 'c' }, absent: true })).toBeNull();
    const present = missingSample(samples, { name: 'up', labels: { job: 'b' }, absent: true });
    expect(present).toEqual({ code: 'check.metric_present_labels', values: { metric: 'up', labels: 'job="b"', value: 0 } });
    expect(englishText(present!)).toBe('up with job="b" is present (0), expected none');
    expect(englishText(missingSample(parsePrometheusText('up NaN\n'), { name: 'up', absent: true })!)).toBe('up is present (NaN), expected none');
  });

  it('the version 1 reason is unchanged', () => {
    expect(englishText(missingSample(samples, { name: 'load', min: 2 })!)).toBe('load is 0.5, expected at least 2');
    expect(englishText(missingSample(samples, { name: 'load', min: 2, max: 3 })!)).toBe('load is 0.5, expected between 2 and 3');
    expect(englishText(missingSample(samples, { name: 'nope' })!)).toBe('no nope metric');
    expect(englishText(missingSample(samples, { name: 'up', labels: { job: 'c' } })!)).toBe('no up sample with job="c"');
  });
});

describe('http (version 2)', () => {
  it('notContains, headers and basic auth', async () => {
    const seen: RequestOptions[] = [];
    const check = { port: 80, path: '/', status: 200, notContains: 'ERROR', headers: { 'X-Team': 'a' }, basicAuth: { user: 'admin', password: 'pw' } };
    expect(await evaluateHttp('c', check, answer('all fine', seen), 1000)).toMatchObject({ status: 'pass' });
    expect(seen[0].headers).toEqual({ 'X-Team': 'a', authorization: `Basic ${Buffer.from('admin:pw').toString('base64')}` });
    expect(await evaluateHttp('c', check, answer('an ERROR here'), 1000)).toMatchObject({
      status: 'fail',
      reason: { code: 'check.response_contains', values: { text: 'ERROR' } },
    });
  });
});

describe('promql (version 2)', () => {
  it('absent passes on no series and fails on any', async () => {
    expect(await evaluatePromql('c', { query: 'ALERTS', absent: true }, workshop, answer(vector()), 1000)).toMatchObject({ status: 'pass' });
    expect(await evaluatePromql('c', { query: 'ALERTS', absent: true }, workshop, answer(vector(1)), 1000)).toMatchObject({
      status: 'fail',
      reason: { code: 'check.promql_present', values: { count: 1, values: '1' } },
    });
  });

  it('quantifier all: every series meets expect; any (the default): one does', async () => {
    const expect1 = { op: '==' as const, value: 1 };
    expect(await evaluatePromql('c', { query: 'up', expect: expect1 }, workshop, answer(vector(1, 0)), 1000)).toMatchObject({ status: 'pass' });
    const all = await evaluatePromql('c', { query: 'up', expect: expect1, quantifier: 'all' }, workshop, answer(vector(1, 0)), 1000);
    expect(all).toMatchObject({
      status: 'fail',
      reason: { code: 'check.promql_value_all', values: { values: '0', op: '==', expected: 1, failing: 1, total: 2 } },
    });
    expect(englishText(all.reason!)).toBe('value 0 is not == 1 (every series must be; 1 of 2 are not)');
    expect(await evaluatePromql('c', { query: 'up', expect: expect1, quantifier: 'all' }, workshop, answer(vector(1, 1)), 1000)).toMatchObject({
      status: 'pass',
    });
  });
});
