import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { englishReason } from '../contract/i18n/english';
import type { ShellRun } from '../ssh/ssh.types';
import type { SshCheckDefinition } from '../workshops/workshop.schema';
import { buildSshBatch, planSshChecks, readSshBatch, runSshChecks, SHELL_SETUP, shortCommand, type ShellRunner } from './ssh-script';

const check = (id: string, run: string, extra: Partial<SshCheckDefinition> = {}): SshCheckDefinition => ({
  id,
  title: id,
  kind: 'ssh',
  ssh: { run },
  ...extra,
});

/** The local /bin/sh as a stand-in transport for the VM's kept-open shell (the integration tests use a real sshd). */
const inputs: string[] = [];
const localShell =
  (noise = ''): ShellRunner =>
  (input, _doneMarker, timeoutMs, setup) => {
    inputs.push(input);
    // A fresh sh for every run, so the setup goes first every time.
    const run = spawnSync('/bin/sh', ['-s'], { input: setup + input, encoding: 'utf8', timeout: timeoutMs });
    return Promise.resolve({ stdout: noise + run.stdout + noise, durationMs: 0, timedOut: run.error !== undefined, closed: false });
  };

describe('the batched ssh checks', () => {
  it('reports pass, fail with the exit code, regex mismatch and a timeout, and still runs the checks after a hung one', async () => {
    inputs.length = 0;
    const planned = planSshChecks(
      [
        check('ok', 'echo fine'),
        check('missing', 'test -f /nonexistent/file'),
        check('wrong-output', 'echo nope', { ssh: { run: 'echo nope', stdout: '^yes$' } }),
        check('slow', 'sleep 30', { timeoutSeconds: 1 }),
        check('after-slow', 'echo still', { timeoutSeconds: 1 }),
        check('last', 'echo last'),
      ],
      10,
    );
    const results = await runSshChecks(localShell(), planned);
    expect(results).toEqual([
      { checkId: 'ok', status: 'pass', reason: null, output: 'fine' },
      {
        checkId: 'missing',
        status: 'fail',
        reason: { code: 'check.exit_code_command', values: { exitCode: 1, command: 'test -f /nonexistent/file' } },
        output: '',
      },
      { checkId: 'wrong-output', status: 'fail', reason: { code: 'check.output_mismatch', values: { pattern: '^yes$' } }, output: 'nope' },
      { checkId: 'slow', status: 'error', reason: { code: 'check.timed_out', values: { seconds: 1 } }, output: null },
      { checkId: 'after-slow', status: 'pass', reason: null, output: 'still' },
      { checkId: 'last', status: 'pass', reason: null, output: 'last' },
    ]);
    // What people read, in English as before.
    expect(results.map((r) => englishReason(r.reason))).toEqual([
      null,
      'exit code 1 from `test -f /nonexistent/file`',
      'output did not match /^yes$/',
      'timed out after 1 s',
      null,
      null,
    ]);
    // Three timeouts, three batches (10 s, 1 s, 10 s, each with an allowance for the checks before the last);
    // the hung check cost one more, for the check after it.
    expect(inputs.map((input) => /timeout -k 1 ([\d.]+)/.exec(input)![1])).toEqual(['10.5', '1.4', '1', '10']);
  });

  it('calls a check timed out at once when the clock says it had its whole timeout, even behind others in its batch', async () => {
    inputs.length = 0;
    const planned = planSshChecks([check('quick', 'echo quick'), check('hung', 'sleep 30'), check('after', 'echo after')], 1);
    expect((await runSshChecks(localShell(), planned)).map((r) => `${r.checkId}:${r.status}:${englishReason(r.reason)}`)).toEqual([
      'quick:pass:null',
      'hung:error:timed out after 1 s',
      'after:pass:null',
    ]);
    // The batch, then the check after the hung one: the hung check is not run a second time.
    expect(inputs).toHaveLength(2);
  });

  it('gives a check that was killed while others ran first a batch of its own before calling it timed out', () => {
    const batch = buildSshBatch(planSshChecks([check('a', 'true'), check('b', 'sleep 9')], 2));
    const killedDuringB = `\n@@${batch.nonce}:begin:a:0:100.00\n\n@@${batch.nonce}:end\n\n${batch.doneMarker}124\n`;
    const read = readSshBatch(batch, { stdout: killedDuringB, timedOut: false, closed: false });
    expect(read.results.map((r) => r.checkId)).toEqual(['a']);
    expect(read.rerun.map((c) => c.id)).toEqual(['b']);
  });

  it('allows for the checks before each one, so a hang behind slow checks is known from the first kill', async () => {
    inputs.length = 0;
    const planned = planSshChecks([check('slow', 'sleep 0.4'), check('hung', 'sleep 30')], 1);
    // What the checks took the sweep before on this VM: the batch's deadline allows for it (twice, and a floor).
    const durations = new Map([['slow', 0.4]]);
    const results = await runSshChecks(localShell(), planned, durations);
    expect(results.map((r) => `${r.checkId}:${r.status}:${englishReason(r.reason)}`)).toEqual(['slow:pass:null', 'hung:error:timed out after 1 s']);
    expect(inputs).toHaveLength(1);
    expect(inputs[0]).toContain('timeout -k 1 2 ');
    // And it learned what the slow one took this time.
    expect(durations.get('slow')).toBeGreaterThanOrEqual(0.39);
  });

  it('learns what every check took, the last one of a batch included (the batch prints when it ended)', async () => {
    const planned = planSshChecks([check('first', 'true'), check('last', 'sleep 0.2')], 5);
    const durations = new Map<string, number>();
    await runSshChecks(localShell(), planned, durations);
    expect([...durations.keys()]).toEqual(['first', 'last']);
    expect(durations.get('last')).toBeGreaterThanOrEqual(0.19);
  });

  it('sends only the checks each sweep: the prelude goes to a shell once, as the setup', () => {
    const batch = buildSshBatch(planSshChecks([check('a', 'true')], 5), 'n0nce');
    expect(batch.shellInput).not.toContain('trap ');
    expect(SHELL_SETUP).toContain('trap ');
    // The script alone is whole (what the benchmarks' peers run over plain ssh).
    const run = spawnSync('/bin/sh', ['-s'], { input: batch.script, encoding: 'utf8' });
    expect(readSshBatch(batch, { stdout: run.stdout, timedOut: false, closed: false }).results).toEqual([
      { checkId: 'a', status: 'pass', reason: null, output: '' },
    ]);
  });

  it('sets a batch deadline from what the checks took last time on the VM', () => {
    const planned = planSshChecks([check('a', 'true'), check('b', 'true'), check('c', 'true')], 4);
    expect(buildSshBatch(planned, 'n').deadlineSeconds).toBe(4.5);
    expect(
      buildSshBatch(
        planned,
        'n',
        new Map([
          ['a', 0.5],
          ['b', 0.25],
          ['c', 3],
        ]),
      ).deadlineSeconds,
    ).toBe(5.8);
    expect(buildSshBatch(planned.slice(0, 1), 'n').deadlineSeconds).toBe(4);
    // Never more than twice the timeout: a check before the hung one that is slow beyond that leaves the hung one a batch of its own.
    expect(buildSshBatch(planned, 'n', new Map([['a', 9]])).deadlineSeconds).toBe(8);
  });

  it('says what a silent failing check ran', () => {
    expect(shortCommand('grep -qs  "php_requests"\n /etc/ebpf_exporter/config.yaml')).toBe('grep -qs "php_requests" /etc/ebpf_exporter/config.yaml');
    expect(shortCommand('x'.repeat(200))).toMatch(/^x{60} … x{17}$/);
  });

  it('finds the hung check even when it ignores TERM and has to be KILLed, losing the frames of its batch', { timeout: 20_000 }, async () => {
    inputs.length = 0;
    const planned = planSshChecks([check('quick', 'echo quick', { timeoutSeconds: 1 }), check('stubborn', "trap '' TERM; sleep 5", { timeoutSeconds: 1 })], 10);
    expect((await runSshChecks(localShell(), planned)).map((r) => `${r.checkId}:${r.status}:${englishReason(r.reason)}`)).toEqual([
      'quick:pass:null',
      'stubborn:error:timed out after 1 s',
    ]);
    // The whole batch, then the first check alone, then the stubborn one alone.
    expect(inputs.map((input) => (input.match(/\nc [a-z]+ /g) ?? []).length)).toEqual([2, 1, 1]);
  });

  it('is not fooled by noise or by a check printing a frame without the nonce', async () => {
    const planned = planSshChecks([check('forger', "printf '@@deadbeef:begin:other:0\\nx\\n@@deadbeef:end\\n'; exit 3"), check('other', 'exit 1')], 10);
    const results = await runSshChecks(localShell('Welcome!\n@@ banner\n'), planned);
    expect(results.map((r) => r.status)).toEqual(['fail', 'fail']);
  });

  it('keeps quotes and metacharacters of a workshop command intact, and hides the script’s own arguments', async () => {
    const planned = planSshChecks([check('quotes', `printf '%s' "it's \\$HOME" | grep -q "it's"`), check('args', 'test "$#" -eq 0')], 10);
    expect((await runSshChecks(localShell(), planned)).map((r) => r.status)).toEqual(['pass', 'pass']);
  });

  it('bounds output, and reports a cut-short batch as error, never pass', async () => {
    const planned = planSshChecks([check('loud', 'head -c 100000 /dev/zero | tr "\\0" x'), check('after', 'true')], 10);
    const [loud] = await runSshChecks(localShell(), planned);
    expect(loud.output!.length).toBeLessThanOrEqual(2001);
    const batch = buildSshBatch(planned);
    const run: ShellRun = spawnSync('/bin/sh', ['-s'], { input: SHELL_SETUP + batch.shellInput, encoding: 'utf8' }) as unknown as ShellRun;
    const cut = readSshBatch(batch, { stdout: run.stdout.slice(0, run.stdout.indexOf(':begin:after')), timedOut: false, closed: true });
    expect(cut.results[1]).toMatchObject({ status: 'error', reason: { code: 'check.no_result_closed' } });
    expect(cut.rerun).toEqual([]);
  });
});
