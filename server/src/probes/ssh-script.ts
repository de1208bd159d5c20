import { randomBytes } from 'node:crypto';
import type { ShellRun } from '../ssh/ssh.types';
import type { SshCheckDefinition } from '../workshops/workshop.schema';
import type { CheckResult } from '../contract/checks';
import { coded } from '../contract/i18n/coded';
import { OUTPUT_TAIL_BYTES, tail } from './check-output';

/**
 * All `ssh` checks of a VM run in the shell kept open on the VM (one per connection): each sweep
 * writes one batch, a POSIX `sh` script run under one `timeout`, that runs every check in order
 * and prints one frame per check. Frames carry a random per-batch nonce, so banners or rc-file
 * noise cannot be mistaken for a result. Only commands from the workshop file go in.
 *
 * A batch has one deadline: its checks' timeout (consecutive checks with the same timeout share a
 * batch) plus what the checks before each one took last time on this VM (twice that, measured by
 * /proc/uptime read as each starts: a builtin read, no fork). When it is killed, the check that was
 * running is the first one without a frame: if it ran for (nearly) its whole timeout, by the clock
 * read when it started and when the batch was stopped, it is reported timed out at once, even behind
 * others; only when the checks before it were much slower than last time does it get a fresh batch
 * of its own. So one `timeout` per sweep gives every check its own timeout, without a `timeout` and
 * a `sh -c` per check, and a hang is known from the first kill however slow the VM starts processes.
 */
export interface PlannedSshCheck {
  id: string;
  run: string;
  stdout?: string;
  timeoutSeconds: number;
  /** Run with `sudo -n`. */
  sudo?: boolean;
}

export interface SshBatch {
  nonce: string;
  /** The checks' own timeout. */
  timeoutSeconds: number;
  /** The batch's deadline: the timeout plus the time allowed for the checks before each one. */
  deadlineSeconds: number;
  checks: PlannedSshCheck[];
  /** A self-contained sh script that runs the checks and prints their frames. */
  script: string;
  /** What is written to the kept-open shell: the script under a timeout, then the done marker. */
  shellInput: string;
  doneMarker: string;
}

/** Runs `input` in the kept-open shell, after `setup` if that shell has not run it yet. */
export type ShellRunner = (input: string, doneMarker: string, timeoutMs: number, setup: string) => Promise<ShellRun>;

/** How long each check took last time on one VM, in seconds: what a batch deadline allows for the checks before each one. */
export type CheckDurations = Map<string, number>;

/** A check never seen on this VM is allowed this much (a fork and a small command). */
const UNKNOWN_CHECK_SECONDS = 0.05;
/** What a batch deadline allows beyond twice the checks' last durations: scheduling, the clock's 10 ms ticks. */
const DEADLINE_FLOOR_SECONDS = 0.3;

/** The batch's TERM trap ran: the frames of every check that finished were printed. */
const TERMINATED_WITH_FRAMES = 143;
/** `timeout` exits 124 when it stopped the command, 137 when it had to KILL it. */
const KILLED_BY_TIMEOUT = new Set([124, 137, TERMINATED_WITH_FRAMES]);
/** Past the batch's own deadline: `timeout -k 1` needs a second more, the round trip a little. */
const SHELL_GRACE_MS = 3000;

const ENV_NAME = /^NAVIGATOR_[A-Z]+_[A-Za-z0-9_]+$/;
/** What a `sudo: true` check exits with when it could not run: sudo is not there, or it wants a password. */
const SUDO_MISSING = 251;
const SUDO_NEEDS_PASSWORD = 250;

export function planSshChecks(checks: readonly SshCheckDefinition[], defaultTimeoutSeconds: number): PlannedSshCheck[] {
  return checks.map((c) => ({
    id: c.id,
    run: c.ssh.run,
    stdout: c.ssh.stdout,
    timeoutSeconds: Math.ceil(c.timeoutSeconds ?? defaultTimeoutSeconds),
    ...(c.ssh.sudo ? { sudo: true } : {}),
  }));
}

/** The leading checks that share the first check's timeout, as one batch. */
export function buildSshBatch(
  planned: PlannedSshCheck[],
  nonce = randomBytes(8).toString('hex'),
  lastDurations: ReadonlyMap<string, number> = new Map(),
  env: Readonly<Record<string, string>> = {},
): SshBatch {
  const timeoutSeconds = planned[0].timeoutSeconds;
  const end = planned.findIndex((check) => check.timeoutSeconds !== timeoutSeconds);
  const checks = end < 0 ? planned : planned.slice(0, end);
  const before = checks.slice(0, -1).reduce((sum, check) => sum + Math.min(timeoutSeconds, lastDurations.get(check.id) ?? UNKNOWN_CHECK_SECONDS), 0);
  const allowance = checks.length > 1 ? Math.min(timeoutSeconds, 2 * before + DEADLINE_FLOOR_SECONDS) : 0;
  const deadlineSeconds = Math.round((timeoutSeconds + allowance) * 10) / 10;
  const doneMarker = `@@${nonce}:done:`;
  const values = Object.keys(env).filter((name) => ENV_NAME.test(name));
  const body = [
    `N=${nonce}`,
    // sudo resets the environment: the check's values are asked to be kept by name (never as text on sudo's command line).
    `P=${values.length > 0 ? `--preserve-env=${values.join(',')}` : ''}`,
    ...checks.map((check) => `c ${check.id} ${shellQuote(check.run)}${check.sudo ? ' s' : ''}`),
    'navigator_end',
    '',
  ].join('\n');
  // GNU timeout is in coreutils on every supported distribution; without it the batch runs under Navigator's deadline only.
  // The script prints its own done marker; this one is for a batch that could not (killed, or no sh).
  // Only the checks go over the wire each sweep: the kept-open shell holds the prelude (SHELL_SETUP) and joins the two.
  // Values (vars, attendee values) go into the batch's environment by assignments the kept-open shell reads from the SSH
  // channel: never in a command line (ps would show them to the VM's other users), never in a check's script text.
  const assignments = Object.entries(env)
    .filter(([name]) => ENV_NAME.test(name))
    .map(([name, value]) => `${name}=${shellQuote(value)} `)
    .join('');
  const shellInput =
    `navigator_batch=${shellQuote(body)}; ` +
    `if command -v timeout >/dev/null 2>&1; then ${assignments}timeout -k 1 ${deadlineSeconds} sh -c "$navigator_prelude$navigator_batch" navigator-checks </dev/null 2>&1; ` +
    `else ${assignments}sh -c "$navigator_prelude$navigator_batch" navigator-checks </dev/null 2>&1; fi || printf '\n${doneMarker}%s\n' "$?"\n`;
  return { nonce, timeoutSeconds, deadlineSeconds, checks, script: PRELUDE + body, shellInput, doneMarker };
}

/**
 * What every batch starts with, the same for every VM and sweep: it reads the batch's nonce (`$N`) and
 * sudo's options (`$P`) when it runs. Sent once per kept-open shell (SHELL_SETUP), not with each sweep.
 */
const PRELUDE = [
  'LC_ALL=C; export LC_ALL',
  // Frames are collected and printed in one write at the end: one SSH packet back per sweep. If
  // `timeout` stops the batch, the TERM trap still prints the frames of the checks that finished.
  "F=''",
  `trap '{ read E _ </proc/uptime; } 2>/dev/null; printf "%s\\n@@$N:ran:%s:%s\\n@@$N:done:${TERMINATED_WITH_FRAMES}\\n" "$F" "$S" "$E"; exit ${TERMINATED_WITH_FRAMES}' TERM`,
  // Each check in a subshell with its positional parameters cleared: one fork, no exec of its own.
  'c() {',
  '  { read S _ </proc/uptime; } 2>/dev/null',
  '  if [ "$3" != s ]; then o=$(C=$2; set --; eval "$C" 2>&1 </dev/null); r=$?',
  `  elif ! command -v sudo >/dev/null 2>&1; then o=''; r=${SUDO_MISSING}`,
  '  else o=$(C=$2; set --; sudo -n $P -- sh -c "$C" 2>&1 </dev/null); r=$?',
  // sudo -n that wants a password exits 1 saying so. Asked again only then (a sudo costs the VM milliseconds): the
  // check's own exit 1 with output that starts with "sudo" is told apart by `sudo -n true` succeeding.
  `    if [ $r -eq 1 ]; then case $o in sudo*) sudo -n true >/dev/null 2>&1 </dev/null || { o=''; r=${SUDO_NEEDS_PASSWORD}; } ;; esac; fi`,
  '  fi',
  `  [ \${#o} -gt ${OUTPUT_TAIL_BYTES} ] && o=$(printf '%s' "$o" | tail -c ${OUTPUT_TAIL_BYTES})`,
  '  F="$F\n@@$N:begin:$1:$r:$S\n$o\n@@$N:end"',
  '}',
  'navigator_end() {',
  '  { read E _ </proc/uptime; } 2>/dev/null',
  '  printf \'%s\n@@%s:ran:%s:%s\n@@%s:done:0\n\' "$F" "$N" "$S" "$E" "$N"',
  '}',
  '',
].join('\n');

/** Written to a kept-open shell once, before its first batch: every batch's script is `$navigator_prelude` and its checks. */
export const SHELL_SETUP = `navigator_prelude=${shellQuote(PRELUDE)}\n`;

export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs every planned check through the kept-open shell, in as few batches as the timeouts allow.
 * `durations` (kept per VM by the caller) is read for the deadlines and updated with what this run measured.
 */
export async function runSshChecks(
  runInShell: ShellRunner,
  planned: PlannedSshCheck[],
  durations: CheckDurations = new Map(),
  env: Readonly<Record<string, string>> = {},
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let remaining = planned;
  let alone = false;
  while (remaining.length > 0) {
    const batch = buildSshBatch(alone ? remaining.slice(0, 1) : remaining, undefined, durations, env);
    const run = await runInShell(batch.shellInput, batch.doneMarker, batch.deadlineSeconds * 1000 + SHELL_GRACE_MS, SHELL_SETUP);
    if (run.blocked !== undefined) {
      // The account runs something else than our shell: nothing ran, and nothing here is the attendee's step failing.
      const reason = run.blocked ? coded('check.commands_blocked_printed', { printed: lastLine(run.blocked) }) : coded('check.commands_blocked');
      results.push(...remaining.map((check): CheckResult => ({ checkId: check.id, status: 'error', reason, output: run.blocked || null })));
      break;
    }
    const read = readSshBatch(batch, run);
    for (const [id, seconds] of read.durations) durations.set(id, seconds);
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
): { results: CheckResult[]; rerun: PlannedSshCheck[]; runFirstAlone: boolean; durations: Map<string, number> } {
  const frames = framesIn(run.stdout, batch.nonce);
  const done = run.stdout.indexOf(batch.doneMarker);
  const code = done >= 0 ? parseInt(run.stdout.slice(done + batch.doneMarker.length), 10) : null;
  const killed = run.timedOut || (code !== null && KILLED_BY_TIMEOUT.has(code));
  const framesComplete = code === TERMINATED_WITH_FRAMES || code === 0;
  // When the last check (or, killed, the running one) started and when the batch ended, by the VM's clock.
  const ran = framesComplete ? ranLine(run.stdout, batch.nonce) : null;
  const ranFor = ran ? ran.endedAt - ran.lastStartedAt : 0;
  const durations = durationsOf(batch, frames, ran ? ran.endedAt : null);
  const finish = (rest: { results: CheckResult[]; rerun: PlannedSshCheck[]; runFirstAlone: boolean }) => ({ ...rest, durations });

  const results: CheckResult[] = [];
  for (const [index, check] of batch.checks.entries()) {
    const frame = frames.get(check.id);
    if (frame) {
      results.push(resultOf(check, frame));
      continue;
    }
    if (killed && index === 0 && !framesComplete && batch.checks.length > 1) return finish({ results, rerun: batch.checks, runFirstAlone: true });
    // 95%: the clock read before the check and the trap's read bracket it, give or take a tick.
    if (killed && index > 0 && ranFor < check.timeoutSeconds * 0.95) return finish({ results, rerun: batch.checks.slice(index), runFirstAlone: false });
    if (killed) {
      results.push({ checkId: check.id, status: 'error', reason: coded('check.timed_out', { seconds: check.timeoutSeconds }), output: null });
      return finish({ results, rerun: batch.checks.slice(index + 1), runFirstAlone: false });
    }
    const reason = coded(run.closed ? 'check.no_result_closed' : 'check.no_result_cut');
    results.push(...batch.checks.slice(index).map((c): CheckResult => ({ checkId: c.id, status: 'error', reason, output: null })));
    return finish({ results, rerun: [], runFirstAlone: false });
  }
  return finish({ results, rerun: [], runFirstAlone: false });
}

interface Frame {
  code: number;
  output: string;
  /** The VM's uptime when the check started, in seconds. */
  startedAt: number;
}

/**
 * `@@<nonce>:ran:<last check's start>:<end>`, by the VM's uptime. Found by string search: a RegExp
 * built from each batch's new nonce is compiled anew every time, which cost more than the batch's parse.
 */
const UPTIME = /^\d+(?:\.\d+)?$/;

function ranLine(stdout: string, nonce: string): { lastStartedAt: number; endedAt: number } | null {
  const prefix = `@@${nonce}:ran:`;
  const at = stdout.indexOf(prefix);
  if (at < 0) return null;
  const lineEnd = stdout.indexOf('\n', at);
  const [started, ended] = stdout.slice(at + prefix.length, lineEnd < 0 ? undefined : lineEnd).split(':');
  if (!UPTIME.test(started ?? '') || !UPTIME.test(ended ?? '')) return null;
  return { lastStartedAt: Number(started), endedAt: Number(ended) };
}

/** Each framed check's duration: from its start to the next one's, the last to the batch's end. */
function durationsOf(batch: SshBatch, frames: Map<string, Frame>, endedAt: number | null): Map<string, number> {
  const durations = new Map<string, number>();
  const started = batch.checks.filter((check) => frames.has(check.id)).map((check) => ({ id: check.id, at: frames.get(check.id)!.startedAt }));
  started.forEach(({ id, at }, i) => {
    const next = i + 1 < started.length ? started[i + 1].at : endedAt;
    if (next !== null && Number.isFinite(at) && next >= at) durations.set(id, next - at);
  });
  return durations;
}

/** `@@<nonce>:begin:<id>:<code>:<uptime>\n<output>\n@@<nonce>:end` frames, found by plain string search. */
function framesIn(stdout: string, nonce: string): Map<string, Frame> {
  const frames = new Map<string, Frame>();
  const begin = `@@${nonce}:begin:`;
  const end = `\n@@${nonce}:end`;
  for (let at = stdout.indexOf(begin); at >= 0; at = stdout.indexOf(begin, at + 1)) {
    const headerEnd = stdout.indexOf('\n', at);
    const frameEnd = stdout.indexOf(end, headerEnd);
    if (headerEnd < 0 || frameEnd < 0) break;
    const header = stdout.slice(at + begin.length, headerEnd);
    const clock = header.lastIndexOf(':');
    const colon = header.lastIndexOf(':', clock - 1);
    const code = Number(header.slice(colon + 1, clock));
    if (colon <= 0 || !Number.isInteger(code)) continue;
    frames.set(header.slice(0, colon), { code, output: stdout.slice(headerEnd + 1, frameEnd), startedAt: Number(header.slice(clock + 1)) });
  }
  return frames;
}

function resultOf(check: PlannedSshCheck, frame: Frame): CheckResult {
  const output = tail(frame.output);
  // The VM's setup, not the attendee's step: the check could not run at all.
  if (check.sudo && frame.code === SUDO_NEEDS_PASSWORD) return { checkId: check.id, status: 'error', reason: coded('check.sudo_password'), output: null };
  if (check.sudo && frame.code === SUDO_MISSING) return { checkId: check.id, status: 'error', reason: coded('check.sudo_missing'), output: null };
  // A check that prints nothing (grep -q, test -s) says what it ran, so the reason has something a person can read.
  if (frame.code !== 0)
    return {
      checkId: check.id,
      status: 'fail',
      reason: output.trim()
        ? coded('check.exit_code_output', { exitCode: frame.code, output: lastLine(output) })
        : coded('check.exit_code_command', { exitCode: frame.code, command: shortCommand(check.run) }),
      output,
    };
  if (check.stdout && !new RegExp(check.stdout, 'm').test(frame.output)) {
    return { checkId: check.id, status: 'fail', reason: coded('check.output_mismatch', { pattern: check.stdout }), output };
  }
  return { checkId: check.id, status: 'pass', reason: null, output };
}

function lastLine(output: string): string {
  const lines = output.trim().split('\n');
  return lines[lines.length - 1].slice(0, 200);
}

/** The command as a person reads it: one line, whitespace folded, long ones cut in the middle. */
export function shortCommand(run: string, max = 80): string {
  const line = run.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 20)} … ${line.slice(-17)}`;
}
