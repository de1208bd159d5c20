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
 * ran for (nearly) its whole timeout, by /proc/uptime read when it started and when the batch was
 * stopped (a builtin read, no fork), it is reported timed out; otherwise it gets a fresh batch of
 * its own. So one `timeout` per sweep gives every check its own timeout, without a `timeout` and a
 * `sh -c` per check.
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

/** The batch's TERM trap ran: the frames of every check that finished were printed. */
const TERMINATED_WITH_FRAMES = 143;
/** `timeout` exits 124 when it stopped the command, 137 when it had to KILL it. */
const KILLED_BY_TIMEOUT = new Set([124, 137, TERMINATED_WITH_FRAMES]);
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
  const doneMarker = `@@${nonce}:done:`;
  const script = [
    'LC_ALL=C; export LC_ALL',
    `N=${nonce}`,
    // Frames are collected and printed in one write at the end: one SSH packet back per sweep. If
    // `timeout` stops the batch, the TERM trap still prints the frames of the checks that finished.
    "F=''",
    `trap '{ read E _ </proc/uptime; } 2>/dev/null; printf "%s\\n@@$N:ran:%s:%s\\n${doneMarker}${TERMINATED_WITH_FRAMES}\\n" "$F" "$S" "$E"; exit ${TERMINATED_WITH_FRAMES}' TERM`,
    // Each check in a subshell with its positional parameters cleared: one fork, no exec of its own.
    'c() {',
    '  { read S _ </proc/uptime; } 2>/dev/null',
    '  o=$(C=$2; set --; eval "$C" 2>&1 </dev/null); r=$?',
    `  [ \${#o} -gt ${OUTPUT_TAIL_BYTES} ] && o=$(printf '%s' "$o" | tail -c ${OUTPUT_TAIL_BYTES})`,
    `  F="$F\n@@$N:begin:$1:$r\n$o\n@@$N:end"`,
    '}',
    ...checks.map((check) => `c ${check.id} ${shellQuote(check.run)}`),
    `printf '%s\n${doneMarker}0\n' "$F"`,
    '',
  ].join('\n');
  // GNU timeout is in coreutils on every supported distribution; without it the batch runs under Navigator's deadline only.
  // The script prints its own done marker; this one is for a batch that could not (killed, or no sh).
  // The script goes over the wire once, in a variable of the kept-open shell.
  const shellInput =
    `navigator_batch=${shellQuote(script)}; ` +
    `if command -v timeout >/dev/null 2>&1; then timeout -k 1 ${timeoutSeconds} sh -c "$navigator_batch" navigator-checks </dev/null 2>&1; ` +
    `else sh -c "$navigator_batch" navigator-checks </dev/null 2>&1; fi || printf '\n${doneMarker}%s\n' "$?"\n`;
  return { nonce, timeoutSeconds, checks, script, shellInput, doneMarker };
}

export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Runs every planned check through the kept-open shell, in as few batches as the timeouts allow. */
export async function runSshChecks(runInShell: ShellRunner, planned: PlannedSshCheck[]): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let remaining = planned;
  let alone = false;
  while (remaining.length > 0) {
    const batch = buildSshBatch(alone ? remaining.slice(0, 1) : remaining);
    const run = await runInShell(batch.shellInput, batch.doneMarker, batch.timeoutSeconds * 1000 + SHELL_GRACE_MS);
    const read = readSshBatch(batch, run);
    results.push(...read.results);
    remaining = [...read.rerun, ...remaining.slice(batch.checks.length)];
    alone = read.runFirstAlone;
  }
  return results;
}

/**
 * One result per check that has one; the checks that still need a batch. `runFirstAlone` when a
 * killed batch could not print its frames (a check ignored TERM and was KILLed): which check hung
 * is unknown, so the first goes alone.
 */
export function readSshBatch(
  batch: SshBatch,
  run: Pick<ShellRun, 'stdout' | 'timedOut' | 'closed'>,
): { results: CheckResult[]; rerun: PlannedSshCheck[]; runFirstAlone: boolean } {
  const frames = framesIn(run.stdout, batch.nonce);
  const done = run.stdout.indexOf(batch.doneMarker);
  const code = done >= 0 ? parseInt(run.stdout.slice(done + batch.doneMarker.length), 10) : null;
  const killed = run.timedOut || (code !== null && KILLED_BY_TIMEOUT.has(code));
  const framesComplete = code === TERMINATED_WITH_FRAMES;
  // How long the check that was running when the batch was stopped had run, in seconds.
  const ran = framesComplete ? new RegExp(`@@${batch.nonce}:ran:(\\d+(?:\\.\\d+)?):(\\d+(?:\\.\\d+)?)`).exec(run.stdout) : null;
  const ranFor = ran ? Number(ran[2]) - Number(ran[1]) : 0;

  const results: CheckResult[] = [];
  for (const [index, check] of batch.checks.entries()) {
    const frame = frames.get(check.id);
    if (frame) {
      results.push(resultOf(check, frame));
      continue;
    }
    if (killed && index === 0 && !framesComplete && batch.checks.length > 1) return { results, rerun: batch.checks, runFirstAlone: true };
    // 95%: the clock read before the check and the trap's read bracket it, give or take a tick.
    if (killed && index > 0 && ranFor < check.timeoutSeconds * 0.95) return { results, rerun: batch.checks.slice(index), runFirstAlone: false };
    if (killed) {
      results.push({ checkId: check.id, status: 'error', reason: `timed out after ${check.timeoutSeconds} s`, output: null });
      return { results, rerun: batch.checks.slice(index + 1), runFirstAlone: false };
    }
    const reason = run.closed ? 'no result (the connection or the shell closed)' : 'no result (the check script was cut short)';
    results.push(...batch.checks.slice(index).map((c): CheckResult => ({ checkId: c.id, status: 'error', reason, output: null })));
    return { results, rerun: [], runFirstAlone: false };
  }
  return { results, rerun: [], runFirstAlone: false };
}

/** `@@<nonce>:begin:<id>:<code>\n<output>\n@@<nonce>:end` frames, found by plain string search. */
function framesIn(stdout: string, nonce: string): Map<string, { code: number; output: string }> {
  const frames = new Map<string, { code: number; output: string }>();
  const begin = `@@${nonce}:begin:`;
  const end = `\n@@${nonce}:end`;
  for (let at = stdout.indexOf(begin); at >= 0; at = stdout.indexOf(begin, at + 1)) {
    const headerEnd = stdout.indexOf('\n', at);
    const frameEnd = stdout.indexOf(end, headerEnd);
    if (headerEnd < 0 || frameEnd < 0) break;
    const header = stdout.slice(at + begin.length, headerEnd);
    const colon = header.lastIndexOf(':');
    const code = Number(header.slice(colon + 1));
    if (colon <= 0 || !Number.isInteger(code)) continue;
    frames.set(header.slice(0, colon), { code, output: stdout.slice(headerEnd + 1, frameEnd) });
  }
  return frames;
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
