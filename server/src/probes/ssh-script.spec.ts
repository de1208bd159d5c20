import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { englishReason } from '../contract/i18n/english';
import type { ShellRun } from '../ssh/ssh.types';
import type { SshCheckDefinition } from '../workshops/workshop.schema';
import { buildSshBatch, buildWatchScript, planSshChecks, readSshBatch, runSshChecks, SHELL_SETUP, shortCommand, type ShellRunner } from './ssh-script';

const check = (id: string, run: string, extra: Partial<SshCheckDefinition> = {}): SshCheckDefinition => ({
  id,
  title: id,
  kind: 'ssh',
  ssh: { run },
  ...extra,
});

/**
 * The local /bin/sh as a stand-in transport for the VM's kept-open shell (the integration tests use a real sshd): a fresh
 * sh for every run, so the setup goes first every time; past the deadline its process group is killed, as RemoteShell does.
 */
const inputs: string[] = [];
const deadlines: number[] = [];
const GRACE_MS = 1000;
const localShell =
  (noise = ''): ShellRunner =>
  (input, doneMarker, timeoutMs, setup) =>
    new Promise((resolve) => {
      inputs.push(input);
      deadlines.push((timeoutMs - GRACE_MS) / 1000);
      const shell = spawn('/bin/sh', ['-s'], { detached: true, stdio: ['pipe', 'pipe', 'ignore'] });
      let stdout = '';
      let heard = performance.now();
      const end = (timedOut: boolean) => {
        clearTimeout(timer);
        if (timedOut) process.kill(-shell.pid!, 'SIGKILL');
        resolve({ stdout: noise + stdout + noise, durationMs: 0, timedOut, closed: false, quietMs: performance.now() - heard });
      };
      const timer = setTimeout(() => end(true), timeoutMs);
      shell.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        heard = performance.now();
        if (stdout.includes(doneMarker)) end(false);
      });
      shell.stdin.end(setup + input);
      heard = performance.now();
    });
describe('the batched ssh checks', () => {
  it('reports pass, fail with the exit code, regex mismatch and a timeout, and still runs the checks after a hung one', async () => {
    inputs.length = 0;
    deadlines.length = 0;
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
    expect(deadlines).toEqual([10.5, 1.4, 1, 10]);
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

  it('gives a check killed after a short run (the ones before it were slow) a batch of its own before calling it timed out', () => {
    const batch = buildSshBatch(planSshChecks([check('a', 'true'), check('b', 'sleep 9')], 2));
    const killedDuringB = `\n@@${batch.nonce}:begin:a:0:100.00\n\n@@${batch.nonce}:end\n`;
    const early = readSshBatch(batch, { stdout: killedDuringB, timedOut: true, closed: false, quietMs: 500 });
    expect(early.results.map((r) => r.checkId)).toEqual(['a']);
    expect(early.rerun.map((c) => c.id)).toEqual(['b']);
    // Silent for its whole timeout since a's frame came: b hung.
    const hung = readSshBatch(batch, { stdout: killedDuringB, timedOut: true, closed: false, quietMs: 2500 });
    expect(hung.results.map((r) => `${r.checkId}:${r.status}`)).toEqual(['a:pass', 'b:error']);
    expect(hung.rerun).toEqual([]);
  });

  it('sends the frames before a check not known to be quick, and after a kill it cannot place, runs the rest carefully', () => {
    const planned = planSshChecks([check('a', 'true'), check('b', 'true'), check('c', 'true')], 2);
    const quick = new Map([
      ['a', 0],
      ['b', 0.01],
      ['c', 0],
    ]);
    expect(buildSshBatch(planned, 'n').flushBefore).toEqual([false, true, true]);
    expect(buildSshBatch(planned, 'n', quick).flushBefore).toEqual([false, false, false]);
    expect(buildSshBatch(planned, 'n', new Map([...quick, ['c', 0.5]])).flushBefore).toEqual([false, false, true]);
    expect(buildSshBatch(planned, 'n', quick, {}, true).flushBefore).toEqual([false, true, true]);
    expect(buildSshBatch(planned, 'n', new Map([...quick, ['c', 0.5]])).shellInput).toContain("\nnavigator_flush; c c 'true' i\n");

    // Killed with nothing printed, every check quick: any of them may have hung.
    const blind = buildSshBatch(planned, 'n', quick);
    const unplaced = readSshBatch(blind, { stdout: '', timedOut: true, closed: false, quietMs: 5000 });
    expect(unplaced).toMatchObject({ results: [], careful: true, timedOut: [] });
    expect(unplaced.rerun.map((c) => c.id)).toEqual(['a', 'b', 'c']);
    // Carefully, the first without a frame is the one that ran: timed out, and no longer taken for quick.
    const careful = buildSshBatch(planned, 'n', quick, {}, true);
    const placed = readSshBatch(careful, { stdout: '\n@@n:begin:a:0:1.00\n\n@@n:end\n', timedOut: true, closed: false, quietMs: 2500 });
    expect(placed.results.map((r) => `${r.checkId}:${r.status}`)).toEqual(['a:pass', 'b:error']);
    expect(placed).toMatchObject({ careful: false, timedOut: ['b'] });
    expect(placed.rerun.map((c) => c.id)).toEqual(['c']);
  });

  it('allows for the checks before each one, so a hang behind slow checks is known from the first kill', async () => {
    inputs.length = 0;
    deadlines.length = 0;
    const planned = planSshChecks([check('slow', 'sleep 0.4'), check('hung', 'sleep 30')], 1);
    // What the checks took the sweep before on this VM: the batch's deadline allows for it (twice, and a floor).
    const durations = new Map([['slow', 0.4]]);
    const results = await runSshChecks(localShell(), planned, durations);
    expect(results.map((r) => `${r.checkId}:${r.status}:${englishReason(r.reason)}`)).toEqual(['slow:pass:null', 'hung:error:timed out after 1 s']);
    expect(inputs).toHaveLength(1);
    expect(deadlines).toEqual([2]);
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
    expect(batch.shellInput).not.toContain('navigator_run()');
    expect(SHELL_SETUP).toContain('navigator_run()');
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

  it('finds the hung check even when it ignores TERM, and kills what it started with the shell’s process group', { timeout: 20_000 }, async () => {
    inputs.length = 0;
    const planned = planSshChecks(
      [check('quick', 'echo quick', { timeoutSeconds: 1 }), check('stubborn', "trap '' TERM; sleep 7.321", { timeoutSeconds: 1 })],
      10,
    );
    expect((await runSshChecks(localShell(), planned)).map((r) => `${r.checkId}:${r.status}:${englishReason(r.reason)}`)).toEqual([
      'quick:pass:null',
      'stubborn:error:timed out after 1 s',
    ]);
    // One batch: the frame of the check before the hung one was sent before the hung one started.
    expect(inputs).toHaveLength(1);
    // SIGKILL is delivered before kill(2) returns: nothing of the batch is left.
    expect(spawnSync('pgrep', ['-fx', 'sleep 7.321'], { encoding: 'utf8' }).stdout).toBe('');
  });

  it('runs a check of builtins in the kept-open shell itself, nothing it sets outlives it, and exit or a syntax error cannot end that shell', async () => {
    const planned = planSshChecks(
      [
        // /proc/self is the process that reads it: the shell itself when no subshell was forked.
        check('in-shell', 'read -r me rest < /proc/self/stat; [ "$me" = "$$" ] && echo "pid $me"'),
        check('sets', 'me=1 you=2; read -r they < /proc/uptime'),
        check('sees-none', 'printf "[%s%s%s]" "$me" "$you" "$they"', { ssh: { run: 'printf "[%s%s%s]" "$me" "$you" "$they"', stdout: '^\\[\\]$' } }),
        check('leaves', 'echo bye; exit 3'),
        check('broken', 'if true; then echo'),
        check('still-there', 'echo here'),
      ],
      10,
    );
    expect(planned.map((c) => c.mode)).toEqual(['i', 'i', 'i', 'x', 'i', 'i']);
    const results = await runSshChecks(localShell(), planned);
    expect(results.map((r) => `${r.checkId}:${r.status}`)).toEqual([
      'in-shell:pass',
      'sets:pass',
      'sees-none:pass',
      'leaves:fail',
      'broken:fail',
      'still-there:pass',
    ]);
    expect(results[3]).toMatchObject({ output: 'bye', reason: { values: { exitCode: 3 } } });
    expect(results[4].output).toMatch(/syntax error/i);
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

  it('watches builtin checks in a loop that says only when a tick found them changed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navt-watch-'));
    const planned = planSshChecks([check('flag', `test -f ${dir}/flag`), check('line', `line=''; read -r line < ${dir}/line; echo "$line"`)], 5);
    const { script, readyLine, changedLine } = buildWatchScript(planned, 'n0nce');
    const shell = spawn('/bin/sh', ['-s'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const lines: string[] = [];
    let pending = '';
    shell.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop()!;
      lines.push(...parts);
    });
    const until = async (count: number) => {
      for (let i = 0; i < 500 && lines.length < count; i++) await new Promise((r) => setTimeout(r, 10));
      return lines.length;
    };
    const tick = async (then: () => void = () => undefined) => {
      then();
      shell.stdin.write('\n');
    };
    shell.stdin.write(script);
    expect(await until(1)).toBe(1);
    expect(lines[0]).toBe(readyLine);
    // It knew where they stood when it said ready: the first change is told.
    await tick(() => fs.writeFileSync(path.join(dir, 'flag'), ''));
    expect(await until(2)).toBe(2);
    expect(lines[1]).toBe(changedLine);
    await tick(() => fs.writeFileSync(path.join(dir, 'line'), 'one\n'));
    expect(await until(3)).toBe(3);
    // Nothing changed: nothing said. Whichever tick sees the next change, it is told once.
    await tick();
    await tick();
    await tick(() => fs.writeFileSync(path.join(dir, 'line'), 'two\n'));
    expect(await until(4)).toBe(4);
    expect(lines).toEqual([readyLine, changedLine, changedLine, changedLine]);
    shell.stdin.end();
    await new Promise((r) => shell.once('exit', r));
  });
});
