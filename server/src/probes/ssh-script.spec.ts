import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { ShellRun } from '../ssh/ssh.types';
import type { CheckDefinition } from '../workshops/workshop.schema';
import { buildSshBatch, planSshChecks, readSshBatch, runSshChecks, type ShellRunner } from './ssh-script';

const check = (id: string, run: string, extra: Partial<CheckDefinition> = {}): CheckDefinition => ({ id, title: id, ssh: { run }, ...extra });

/** The local /bin/sh as a stand-in transport for the VM's kept-open shell (the integration tests use a real sshd). */
const inputs: string[] = [];
const localShell =
  (noise = ''): ShellRunner =>
  (input, _doneMarker, timeoutMs) => {
    inputs.push(input);
    const run = spawnSync('/bin/sh', ['-s'], { input, encoding: 'utf8', timeout: timeoutMs });
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
    expect(await runSshChecks(localShell(), planned)).toEqual([
      { checkId: 'ok', status: 'pass', reason: null, output: 'fine' },
      { checkId: 'missing', status: 'fail', reason: 'exit code 1', output: '' },
      { checkId: 'wrong-output', status: 'fail', reason: 'output did not match /^yes$/', output: 'nope' },
      { checkId: 'slow', status: 'error', reason: 'timed out after 1 s', output: null },
      { checkId: 'after-slow', status: 'pass', reason: null, output: 'still' },
      { checkId: 'last', status: 'pass', reason: null, output: 'last' },
    ]);
    // Three timeouts, three batches (10 s, 1 s, 10 s); the hung check cost one more, for the check after it.
    expect(inputs.map((input) => /timeout -k 1 (\d+)/.exec(input)![1])).toEqual(['10', '1', '1', '10']);
  });

  it('calls a check timed out at once when the clock says it had its whole timeout, even behind others in its batch', async () => {
    inputs.length = 0;
    const planned = planSshChecks([check('quick', 'echo quick'), check('hung', 'sleep 30'), check('after', 'echo after')], 1);
    expect((await runSshChecks(localShell(), planned)).map((r) => `${r.checkId}:${r.status}:${r.reason}`)).toEqual([
      'quick:pass:null',
      'hung:error:timed out after 1 s',
      'after:pass:null',
    ]);
    // The batch, then the check after the hung one: the hung check is not run a second time.
    expect(inputs).toHaveLength(2);
  });

  it('gives a check that was killed while others ran first a batch of its own before calling it timed out', () => {
    const batch = buildSshBatch(planSshChecks([check('a', 'true'), check('b', 'sleep 9')], 2));
    const killedDuringB = `\n@@${batch.nonce}:begin:a:0\n\n@@${batch.nonce}:end\n\n${batch.doneMarker}124\n`;
    const read = readSshBatch(batch, { stdout: killedDuringB, timedOut: false, closed: false });
    expect(read.results.map((r) => r.checkId)).toEqual(['a']);
    expect(read.rerun.map((c) => c.id)).toEqual(['b']);
  });

  it('finds the hung check even when it ignores TERM and has to be KILLed, losing the frames of its batch', async () => {
    inputs.length = 0;
    const planned = planSshChecks([check('quick', 'echo quick', { timeoutSeconds: 1 }), check('stubborn', "trap '' TERM; sleep 5", { timeoutSeconds: 1 })], 10);
    expect((await runSshChecks(localShell(), planned)).map((r) => `${r.checkId}:${r.status}:${r.reason}`)).toEqual([
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
    const run: ShellRun = spawnSync('/bin/sh', ['-s'], { input: batch.shellInput, encoding: 'utf8' }) as unknown as ShellRun;
    const cut = readSshBatch(batch, { stdout: run.stdout.slice(0, run.stdout.indexOf(':begin:after')), timedOut: false, closed: true });
    expect(cut.results[1]).toMatchObject({ status: 'error', reason: 'no result (the connection or the shell closed)' });
    expect(cut.rerun).toEqual([]);
  });
});
