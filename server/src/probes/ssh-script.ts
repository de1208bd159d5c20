import { randomBytes } from 'node:crypto';
import type { CheckDefinition } from '../workshops/workshop.schema';
import { OUTPUT_TAIL_BYTES, tail, type CheckResult } from './check-result';

/**
 * All `ssh` checks of a VM run as ONE script fed to `sh -s` on stdin: one exec per VM per sweep,
 * whatever the user's login shell is, and no command-line length limit. Each result is framed by
 * a random per-sweep nonce, so banners or rc-file noise cannot be mistaken for a result.
 * Only commands from the workshop file go in.
 */
export interface SshScript {
  /** What the exec runs; the script itself goes on stdin. */
  command: string;
  stdin: string;
  nonce: string;
  checks: { id: string; timeoutSeconds: number; stdout?: string }[];
}

export const SCRIPT_COMMAND = 'exec sh -s';

export function buildSshScript(checks: CheckDefinition[], defaultTimeoutSeconds: number, nonce = randomBytes(8).toString('hex')): SshScript {
  const planned = checks
    .filter((c) => c.ssh)
    .map((c) => ({ id: c.id, run: c.ssh!.run, stdout: c.ssh!.stdout, timeoutSeconds: c.timeoutSeconds ?? defaultTimeoutSeconds }));
  const lines = [
    'LC_ALL=C; export LC_ALL',
    `N=${nonce}`,
    // GNU timeout is in coreutils on every supported distribution; without it checks still run, unbounded.
    'if command -v timeout >/dev/null 2>&1; then T=1; else T=; fi',
    'c() {',
    '  if [ -n "$T" ]; then o=$(timeout -k 1 "$2" sh -c "$3" 2>&1 </dev/null); r=$?; else o=$(sh -c "$3" 2>&1 </dev/null); r=$?; fi',
    `  [ \${#o} -gt ${OUTPUT_TAIL_BYTES} ] && o=$(printf '%s' "$o" | tail -c ${OUTPUT_TAIL_BYTES})`,
    `  printf '\\n@@%s:begin:%s:%s\\n%s\\n@@%s:end\\n' "$N" "$1" "$r" "$o" "$N"`,
    '}',
    ...planned.map((check) => `c ${check.id} ${Math.ceil(check.timeoutSeconds)} ${shellQuote(check.run)}`),
    '',
  ];
  return { command: SCRIPT_COMMAND, stdin: lines.join('\n'), nonce, checks: planned.map(({ id, timeoutSeconds, stdout }) => ({ id, timeoutSeconds, stdout })) };
}

export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Turns the exec's stdout into one result per planned check; a missing frame is an error, never a pass. */
export function parseSshScriptOutput(script: SshScript, stdout: string, execTimedOut: boolean): CheckResult[] {
  const frames = new Map<string, { code: number; output: string }>();
  const pattern = new RegExp(`@@${script.nonce}:begin:([a-z0-9-]+):(\\d+)\\n([\\s\\S]*?)\\n@@${script.nonce}:end`, 'g');
  for (const match of stdout.matchAll(pattern)) frames.set(match[1], { code: Number(match[2]), output: match[3] });
  return script.checks.map((check): CheckResult => {
    const frame = frames.get(check.id);
    if (!frame) {
      return {
        checkId: check.id,
        status: 'error',
        reason: execTimedOut ? 'the checks did not finish in time' : 'no result (the check script was cut short)',
        output: null,
      };
    }
    const output = tail(frame.output);
    if (frame.code === 124 || frame.code === 137) return { checkId: check.id, status: 'error', reason: `timed out after ${check.timeoutSeconds} s`, output };
    if (frame.code !== 0) return { checkId: check.id, status: 'fail', reason: `exit code ${frame.code}${output ? `: ${lastLine(output)}` : ''}`, output };
    if (check.stdout && !new RegExp(check.stdout, 'm').test(frame.output)) {
      return { checkId: check.id, status: 'fail', reason: `output did not match /${check.stdout}/`, output };
    }
    return { checkId: check.id, status: 'pass', reason: null, output };
  });
}

function lastLine(output: string): string {
  const lines = output.trim().split('\n');
  return lines[lines.length - 1].slice(0, 200);
}
