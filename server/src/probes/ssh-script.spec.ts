import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { CheckDefinition } from '../workshops/workshop.schema';
import { buildSshScript, parseSshScriptOutput } from './ssh-script';

const check = (id: string, run: string, extra: Partial<CheckDefinition> = {}): CheckDefinition => ({ id, title: id, ssh: { run }, ...extra });

/** The script logic run by the local /bin/sh: a stand-in transport for what sshd would do. */
function runLocally(stdin: string, noise = ''): string {
  return noise + execFileSync('/bin/sh', ['-s'], { input: stdin, encoding: 'utf8' }) + noise;
}

describe('the batched ssh check script', () => {
  it('reports pass, fail with the exit code, regex mismatch and timeout', () => {
    const script = buildSshScript(
      [
        check('ok', 'echo fine'),
        check('missing', 'test -f /nonexistent/file'),
        check('wrong-output', 'echo nope', { ssh: { run: 'echo nope', stdout: '^yes$' } }),
        check('slow', 'sleep 5', { timeoutSeconds: 1 }),
      ],
      10,
    );
    const results = parseSshScriptOutput(script, runLocally(script.stdin), false);
    expect(results).toEqual([
      { checkId: 'ok', status: 'pass', reason: null, output: 'fine' },
      { checkId: 'missing', status: 'fail', reason: 'exit code 1', output: '' },
      { checkId: 'wrong-output', status: 'fail', reason: 'output did not match /^yes$/', output: 'nope' },
      { checkId: 'slow', status: 'error', reason: 'timed out after 1 s', output: '' },
    ]);
  });

  it('is not fooled by noise or by a check printing a frame without the nonce', () => {
    const script = buildSshScript([check('forger', "printf '@@deadbeef:begin:other:0\\nx\\n@@deadbeef:end\\n'; exit 3"), check('other', 'exit 1')], 10);
    const results = parseSshScriptOutput(script, runLocally(script.stdin, 'Welcome!\n@@ banner\n'), false);
    expect(results.map((r) => r.status)).toEqual(['fail', 'fail']);
  });

  it('keeps quotes and metacharacters of a workshop command intact', () => {
    const script = buildSshScript([check('quotes', `printf '%s' "it's \\$HOME" | grep -q "it's"`)], 10);
    expect(parseSshScriptOutput(script, runLocally(script.stdin), false)[0].status).toBe('pass');
  });

  it('bounds output and reports a cut-short script as error, not pass', () => {
    const script = buildSshScript([check('loud', 'head -c 100000 /dev/zero | tr "\\0" x'), check('after', 'true')], 10);
    const out = runLocally(script.stdin);
    const [loud] = parseSshScriptOutput(script, out, false);
    expect(loud.output!.length).toBeLessThanOrEqual(2001);
    const cut = parseSshScriptOutput(script, out.slice(0, out.indexOf(':begin:after')), true);
    expect(cut[1]).toMatchObject({ status: 'error', reason: 'the checks did not finish in time' });
  });
});
