import { randomBytes } from 'node:crypto';
import type { ShellRun } from '../ssh/ssh.types';
import type { CheckDefinition } from '../workshops/workshop.schema';
import { OUTPUT_TAIL_BYTES, tail, type CheckResult } from './check-result';

/**
 * All `ssh` checks of a VM run in the shell kept open on the VM (one per connection): each sweep
 * writes one batch, a POSIX `sh` script run under one `timeout`, that runs every check in order
 * and prints one frame per check. Frames carry a random per-batch nonce, so banners or rc-file
 * noise cannot be mistaken for a result. Only commands from the workshop file go in.
 *
 * A batch has one deadline, that of its checks (consecutive checks with the same timeout share a
 * batch). When it is killed, the check that was running is the first one without a frame: if it
 * was the first of its batch it ran alone for its whole timeout and is reported timed out;
 * otherwise it gets a fresh batch of its own. So one `timeout` per sweep gives every check its own
 * timeout, without a `timeout` and a `sh -c` per check.
 */
export interface PlannedSshCheck {
  id: string;
  run: string;
  stdout?: string;
  timeoutSeconds: number;
}

export interface SshBatch {
  nonce: string;
  timeoutSeconds: number;
  checks: PlannedSshCheck[];
  /** A self-contained sh script that runs the checks and prints their frames. */
  script: string;
  /** What is written to the kept-open shell: the script under a timeout, then the done marker. */
  shellInput: string;
  doneMarker: string;
}

export type ShellRunner = (input: string, doneMarker: string, timeoutMs: number) => Promise<ShellRun>;

/** `timeout` exits 124 when it stopped the command, 137 when it had to KILL it. */
const KILLED_BY_TIMEOUT = new Set([124, 137]);
/** Past the batch's own deadline: `timeout -k 1` needs a second more, the round trip a little. */
const SHELL_GRACE_MS = 3000;

export function planSshChecks(checks: CheckDefinition[], defaultTimeoutSeconds: number): PlannedSshCheck[] {
  return checks
    .filter((c) => c.ssh)
    .map((c) => ({ id: c.id, run: c.ssh!.run, stdout: c.ssh!.stdout, timeoutSeconds: Math.ceil(c.timeoutSeconds ?? defaultTimeoutSeconds) }));
}

/** The leading checks that share the first check's timeout, as one batch. */
export function buildSshBatch(planned: PlannedSshCheck[], nonce = randomBytes(8).toString('hex')): SshBatch {
  const timeoutSeconds = planned[0].timeoutSeconds;
  const end = planned.findIndex((check) => check.timeoutSeconds !== timeoutSeconds);
  const checks = end < 0 ? planned : planned.slice(0, end);
  const script = [
    'LC_ALL=C; export LC_ALL',
    `N=${nonce}`,
    // Each check in a subshell with its positional parameters cleared: one fork, no exec of its own.
    'c() {',
    '  o=$(C=$2; set --; eval "$C" 2>&1 </dev/null); r=$?',
    `  [ \${#o} -gt ${OUTPUT_TAIL_BYTES} ] && o=$(printf '%s' "$o" | tail -c ${OUTPUT_TAIL_BYTES})`,
    `  printf '\\n@@%s:begin:%s:%s\\n%s\\n@@%s:end\\n' "$N" "$1" "$r" "$o" "$N"`,
    '}',
    ...checks.map((check) => `c ${check.id} ${shellQuote(check.run)}`),
    '',
  ].join('\n');
  const doneMarker = `@@${nonce}:done:`;
  // GNU timeout is in coreutils on every supported distribution; without it the batch runs under Navigator's deadline only.
  const shellInput =
    `if command -v timeout >/dev/null 2>&1; then timeout -k 1 ${timeoutSeconds} sh -c ${shellQuote(script)} navigator-checks </dev/null 2>&1; ` +
    `else sh -c ${shellQuote(script)} navigator-checks </dev/null 2>&1; fi; printf '\\n${doneMarker}%s\\n' "$?"\n`;
  return { nonce, timeoutSeconds, checks, script, shellInput, doneMarker };
}

export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Runs every planned check through the kept-open shell, in as few batches as the timeouts allow. */
export async function runSshChecks(runInShell: ShellRunner, planned: PlannedSshCheck[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let remaining = planned;
  while (remaining.length > 0) {
    const batch = buildSshBatch(remaining);
    const run = await runInShell(batch.shellInput, batch.doneMarker, batch.timeoutSeconds * 1000 + SHELL_GRACE_MS);
    const read = readSshBatch(batch, run);
    results.push(...read.results);
    remaining = [...read.rerun, ...remaining.slice(batch.checks.length)];
  }
  return results;
}

/** One result per check that has one; the checks that still need a batch of their own. */
export function readSshBatch(batch: SshBatch, run: Pick<ShellRun, 'stdout' | 'timedOut' | 'closed'>): { results: CheckResult[]; rerun: PlannedSshCheck[] } {
  const frames = new Map<string, { code: number; output: string }>();
  const pattern = new RegExp(`@@${batch.nonce}:begin:([a-z0-9-]+):(\\d+)\\n([\\s\\S]*?)\\n@@${batch.nonce}:end`, 'g');
  for (const match of run.stdout.matchAll(pattern)) frames.set(match[1], { code: Number(match[2]), output: match[3] });
  const done = new RegExp(`${batch.doneMarker}(\\d+)`).exec(run.stdout);
  const killed = run.timedOut || (done !== null && KILLED_BY_TIMEOUT.has(Number(done[1])));

  const results: CheckResult[] = [];
  for (const [index, check] of batch.checks.entries()) {
    const frame = frames.get(check.id);
    if (frame) {
      results.push(resultOf(check, frame));
      continue;
    }
    if (killed && index > 0) return { results, rerun: batch.checks.slice(index) };
    if (killed) {
      results.push({ checkId: check.id, status: 'error', reason: `timed out after ${check.timeoutSeconds} s`, output: null });
      return { results, rerun: batch.checks.slice(1) };
    }
    const reason = run.closed ? 'no result (the connection or the shell closed)' : 'no result (the check script was cut short)';
    results.push(...batch.checks.slice(index).map((c): CheckResult => ({ checkId: c.id, status: 'error', reason, output: null })));
    return { results, rerun: [] };
  }
  return { results, rerun: [] };
}

function resultOf(check: PlannedSshCheck, frame: { code: number; output: string }): CheckResult {
  const output = tail(frame.output);
  if (frame.code !== 0) return { checkId: check.id, status: 'fail', reason: `exit code ${frame.code}${output ? `: ${lastLine(output)}` : ''}`, output };
  if (check.stdout && !new RegExp(check.stdout, 'm').test(frame.output)) {
    return { checkId: check.id, status: 'fail', reason: `output did not match /${check.stdout}/`, output };
  }
  return { checkId: check.id, status: 'pass', reason: null, output };
}

function lastLine(output: string): string {
  const lines = output.trim().split('\n');
  return lines[lines.length - 1].slice(0, 200);
}
