import { randomBytes } from 'node:crypto';
import { SHELL_SCRATCH_FILE } from '../ssh/remote-shell';
import type { ShellRun } from '../ssh/ssh.types';
import type { SshCheckDefinition } from '../workshops/workshop.schema';
import type { CheckResult } from '../contract/checks';
import { coded } from '../contract/i18n/coded';
import { OUTPUT_TAIL_BYTES, tail } from './check-output';
import { readShellCheck } from './shell-reading';

/**
 * All `ssh` checks of a VM run in the shell kept open on the VM (one per connection): each sweep
 * writes one batch that runs every check in order and prints one frame per check. Frames carry a
 * random per-batch nonce, so banners or rc-file noise cannot be mistaken for a result. Only commands
 * from the workshop file go in.
 *
 * A sweep starts as few processes on the VM as it can (issue 21): the batch runs in the kept-open
 * shell itself, with no `timeout` and no `sh -c`, and a check that is only shell builtins and file
 * reads runs there without a fork (see shell-reading.ts); one that starts programs starts only those;
 * anything else gets the subshell it always had.
 *
 * A batch has one deadline, kept by Navigator: its checks' timeout (consecutive checks with the same
 * timeout share a batch) plus what the checks before each one took last time on this VM (twice
 * that, measured by /proc/uptime read as each starts: a builtin read, no fork). Past it, Navigator
 * kills the shell's process group and opens a new shell (RemoteShell). The frames of the checks that
 * finished are sent before every check that may start a program, so the check that was running is
 * the first one without a frame: if the shell had been silent for (nearly) its whole timeout, it is
 * reported timed out at once, even behind others; otherwise the checks before it were much slower
 * than last time, and it gets a fresh batch.
 */
export interface PlannedSshCheck {
  id: string;
  run: string;
  stdout?: string;
  timeoutSeconds: number;
  /** Run with `sudo -n`. */
  sudo?: boolean;
  /** How it runs in the kept-open shell: in it (`i`: builtins only; `f`: starts programs), in a subshell (`x`, the default), under sudo (`s`). */
  mode?: 'i' | 'f' | 'x' | 's';
  /** The names it assigns, made local (modes `i` and `f`). */
  locals?: string[];
}

export interface SshBatch {
  nonce: string;
  /** The checks' own timeout. */
  timeoutSeconds: number;
  /** The batch's deadline: the timeout plus the time allowed for the checks before each one. */
  deadlineSeconds: number;
  checks: PlannedSshCheck[];
  /** Whether the frames before each check are sent as it starts (the first check's: nothing is before it). */
  flushBefore: boolean[];
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
/** A check that took less than this last time goes on without sending the frames before it. */
const KNOWN_QUICK_SECONDS = 0.05;
/** What a batch deadline allows beyond twice the checks' last durations: scheduling, the clock's 10 ms ticks. */
const DEADLINE_FLOOR_SECONDS = 0.3;

/** Past the batch's own deadline: the round trip, and a busy VM's scheduling. */
const SHELL_GRACE_MS = 1000;

const ENV_NAME = /^NAVIGATOR_[A-Z]+_[A-Za-z0-9_]+$/;
/** What a `sudo: true` check exits with when it could not run: sudo is not there, or it wants a password. */
const SUDO_MISSING = 251;
const SUDO_NEEDS_PASSWORD = 250;

const MODES = { builtin: 'i', forks: 'f', subshell: 'x' } as const;

export function planSshChecks(checks: readonly SshCheckDefinition[], defaultTimeoutSeconds: number): PlannedSshCheck[] {
  return checks.map((c) => {
    const reading = c.ssh.sudo ? null : readShellCheck(c.ssh.run);
    return {
      id: c.id,
      run: c.ssh.run,
      stdout: c.ssh.stdout,
      timeoutSeconds: Math.ceil(c.timeoutSeconds ?? defaultTimeoutSeconds),
      ...(c.ssh.sudo ? { sudo: true } : {}),
      mode: reading ? MODES[reading.mode] : 's',
      locals: reading?.locals ?? [],
    };
  });
}

/** The leading checks that share the first check's timeout, as one batch. */
export function buildSshBatch(
  planned: PlannedSshCheck[],
  nonce = randomBytes(8).toString('hex'),
  lastDurations: ReadonlyMap<string, number> = new Map(),
  env: Readonly<Record<string, string>> = {},
  /** Send the frames before every check: the last batch was killed where it could not tell which check ran. */
  careful = false,
): SshBatch {
  const timeoutSeconds = planned[0].timeoutSeconds;
  const end = planned.findIndex((check) => check.timeoutSeconds !== timeoutSeconds);
  const checks = end < 0 ? planned : planned.slice(0, end);
  const before = checks.slice(0, -1).reduce((sum, check) => sum + Math.min(timeoutSeconds, lastDurations.get(check.id) ?? UNKNOWN_CHECK_SECONDS), 0);
  const allowance = checks.length > 1 ? Math.min(timeoutSeconds, 2 * before + DEADLINE_FLOOR_SECONDS) : 0;
  const deadlineSeconds = Math.round((timeoutSeconds + allowance) * 10) / 10;
  const doneMarker = `@@${nonce}:done:`;
  // The frames so far are sent before a check not known to be quick (never seen on this VM, slow, or timed out last
  // time): if it hangs, it is the first without a frame and the shell's silence since says how long it ran. The quick
  // ones go on without a write of their own, so a steady sweep is one packet back.
  const flushBefore = checks.map((check, i) => i > 0 && (careful || !((lastDurations.get(check.id) ?? Infinity) < KNOWN_QUICK_SECONDS)));
  // Values (vars, attendee values) go into the batch's environment by assignments the kept-open shell reads from the SSH
  // channel: never in a command line (ps would show them to the VM's other users), never in a check's script text. They
  // are exported for the checks' programs and sudo, and unset when the batch ends.
  const values = Object.entries(env).filter(([name]) => ENV_NAME.test(name));
  const body = [
    `N=${nonce}; F=''`,
    // sudo resets the environment: the check's values are asked to be kept by name (never as text on sudo's command line).
    `P=${values.length > 0 ? `--preserve-env=${values.map(([name]) => name).join(',')}` : "''"}`,
    ...values.map(([name, value]) => `export ${name}=${shellQuote(value)}`),
    ...checks.map((check, i) => `${flushBefore[i] ? 'navigator_flush; ' : ''}${callOf(check)}`),
    ...(values.length > 0 ? [`unset ${values.map(([name]) => name).join(' ')}`] : []),
    'navigator_end',
    '',
  ].join('\n');
  // Only the checks go over the wire each sweep: the kept-open shell holds the prelude (SHELL_SETUP).
  return { nonce, timeoutSeconds, deadlineSeconds, checks, flushBefore, script: PRELUDE + body, shellInput: body, doneMarker };
}

/**
 * What every batch starts with, the same for every VM and sweep: it reads the batch's nonce (`$N`) and
 * sudo's options (`$P`) when it runs. Sent once per kept-open shell (SHELL_SETUP), not with each sweep.
 */
const PRELUDE = [
  'LC_ALL=C; export LC_ALL',
  // Frames are collected and printed in one write at the end: one SSH packet back per sweep, and one more before each
  // check that may start a program, so a hang in it is told apart from the checks that finished.
  "F=''",
  // Checks run in this shell write their output to a private file (a builtin redirection, no fork), read back with
  // builtins: in the user's runtime directory, else /dev/shm or the temporary directory; created anew, mode 0600.
  "navigator_out=''",
  'for navigator_d in "${XDG_RUNTIME_DIR:-}" /dev/shm "${TMPDIR:-/tmp}"; do',
  '  [ -n "$navigator_d" ] && [ -d "$navigator_d" ] && [ -w "$navigator_d" ] || continue',
  `  if (umask 077; set -C; : > "$navigator_d/${SHELL_SCRATCH_FILE}$$") 2>/dev/null; then navigator_out="$navigator_d/${SHELL_SCRATCH_FILE}$$"; break; fi`,
  'done',
  // A shell without `local` (none that Linux distributions ship as sh) runs every check in a subshell.
  'navigator_try() { local navigator_x; }',
  "navigator_inline=''",
  '[ -n "$navigator_out" ] && navigator_try 2>/dev/null && navigator_inline=1 && trap \'rm -f "$navigator_out"\' EXIT',
  // What a check assigns is local: nothing it sets outlives it. `command eval`: a syntax error does not end the shell.
  'navigator_run() { local navigator_x $navigator_l; command eval "$navigator_c"; }',
  'navigator_read() {',
  "  o='' navigator_n=0",
  '  while IFS= read -r navigator_line || [ -n "$navigator_line" ]; do',
  `    navigator_n=$((navigator_n + 1)); if [ $navigator_n -gt 200 ]; then o=$(tail -c ${OUTPUT_TAIL_BYTES} "$navigator_out"); return; fi`,
  '    o="$o$navigator_line',
  '"',
  '  done < "$navigator_out"',
  "  while :; do case $o in *'",
  "') o=${o%?} ;; *) break ;; esac; done",
  '}',
  `navigator_flush() { if [ -n "$F" ]; then printf '%s\\n' "$F"; F=''; fi; }`,
  'c() {',
  '  { read S _ </proc/uptime; } 2>/dev/null',
  '  if [ "$3" = s ]; then',
  `    if ! command -v sudo >/dev/null 2>&1; then o=''; r=${SUDO_MISSING}`,
  '    else o=$(C=$2; set --; sudo -n $P -- sh -c "$C" 2>&1 </dev/null); r=$?',
  // sudo -n that wants a password exits 1 saying so. Asked again only then (a sudo costs the VM milliseconds): the
  // check's own exit 1 with output that starts with "sudo" is told apart by `sudo -n true` succeeding.
  `      if [ $r -eq 1 ]; then case $o in sudo*) sudo -n true >/dev/null 2>&1 </dev/null || { o=''; r=${SUDO_NEEDS_PASSWORD}; } ;; esac; fi`,
  '    fi',
  '  elif [ "$3" != x ] && [ -n "$navigator_inline" ]; then',
  '    navigator_l=$4 navigator_c=$2',
  '    navigator_run >"$navigator_out" 2>&1 </dev/null; r=$?',
  '    navigator_read',
  // Each other check in a subshell with its positional parameters cleared: one fork, no exec of its own.
  '  else o=$(C=$2; set --; eval "$C" 2>&1 </dev/null); r=$?',
  '  fi',
  `  [ \${#o} -gt ${OUTPUT_TAIL_BYTES} ] && o=$(printf '%s' "$o" | tail -c ${OUTPUT_TAIL_BYTES})`,
  '  F="$F\n@@$N:begin:$1:$r:$S\n$o\n@@$N:end"',
  '}',
  'navigator_end() {',
  '  { read E _ </proc/uptime; } 2>/dev/null',
  '  printf \'%s\n@@%s:ran:%s:%s\n@@%s:done:0\n\' "$F" "$N" "$S" "$E" "$N"',
  "  F=''",
  '}',
  '',
].join('\n');

/** How a batch or a watch runs one check: `c <id> '<script>' <mode> ['<locals>']` (the prelude's `c`). */
function callOf(check: PlannedSshCheck): string {
  const locals = check.locals?.length ? ` ${shellQuote(check.locals.join(' '))}` : '';
  return `c ${check.id} ${shellQuote(check.run)} ${check.mode ?? (check.sudo ? 's' : 'x')}${locals}`;
}

/**
 * A VM-side watch of checks that run in the shell without a fork (mode `i`): a loop that runs them
 * at each line Navigator sends (a tick) and prints `changedLine` when their exit codes or output differ
 * from the tick before; it learns where they stand before it prints `readyLine`. A shell without `local` would
 * fork for every check on every tick: there the script ends at once.
 */
export function buildWatchScript(
  checks: readonly PlannedSshCheck[],
  nonce = randomBytes(8).toString('hex'),
): { script: string; readyLine: string; changedLine: string } {
  const inShell = checks.filter((check) => check.mode === 'i');
  const script = [
    PRELUDE,
    `N=${nonce}`,
    '[ -n "$navigator_inline" ] || exit 0',
    'navigator_watch() {',
    "  F='' navigator_sig=''",
    ...inShell.map((check) => `  ${callOf(check)}; navigator_sig="$navigator_sig|$r:$o"`),
    '}',
    // Where they stand before it says it is watching: a change after that is always told.
    'navigator_watch; navigator_last=$navigator_sig',
    // Assembled by the shell: an account whose forced command echoes its input cannot fake it, and gets no ticks.
    `printf '@@%s:watching\\n' "$N"`,
    'while read -r navigator_tick; do',
    '  navigator_watch',
    `  if [ "$navigator_sig" != "$navigator_last" ]; then printf '@@%s:changed\\n' "$N"; navigator_last=$navigator_sig; fi`,
    'done',
    '',
  ].join('\n');
  return { script, readyLine: `@@${nonce}:watching`, changedLine: `@@${nonce}:changed` };
}

/** Written to a kept-open shell once, before its first batch: it defines what every batch calls. */
export const SHELL_SETUP = PRELUDE;

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
  let careful = false;
  while (remaining.length > 0) {
    const batch = buildSshBatch(remaining, undefined, durations, env, careful);
    const run = await runInShell(batch.shellInput, batch.doneMarker, batch.deadlineSeconds * 1000 + SHELL_GRACE_MS, SHELL_SETUP);
    if (run.blocked !== undefined) {
      // The account runs something else than our shell: nothing ran, and nothing here is the attendee's step failing.
      const reason = run.blocked ? coded('check.commands_blocked_printed', { printed: lastLine(run.blocked) }) : coded('check.commands_blocked');
      results.push(...remaining.map((check): CheckResult => ({ checkId: check.id, status: 'error', reason, output: run.blocked || null })));
      break;
    }
    const read = readSshBatch(batch, run);
    for (const [id, seconds] of read.durations) durations.set(id, seconds);
    // Not known to be quick any more: the next batches send the frames before it, so a hang there is told at once.
    for (const id of read.timedOut) durations.delete(id);
    careful = read.careful;
    results.push(...read.results);
    remaining = [...read.rerun, ...remaining.slice(batch.checks.length)];
  }
  return results;
}

/**
 * One result per check that has one; the checks that still need a batch. A batch past its deadline
 * was killed while its first check without a frame ran, if the check after it would have sent the
 * frames: timed out if the shell had been silent for its whole timeout. Otherwise (quick checks go on
 * without a write) which of the checks since the last frames hung is not known: they run again,
 * carefully (`careful`: frames before every check).
 */
export function readSshBatch(
  batch: SshBatch,
  run: Pick<ShellRun, 'stdout' | 'timedOut' | 'closed' | 'quietMs'>,
): { results: CheckResult[]; rerun: PlannedSshCheck[]; careful: boolean; durations: Map<string, number>; timedOut: string[] } {
  const frames = framesIn(run.stdout, batch.nonce);
  const finished = run.stdout.includes(batch.doneMarker);
  // When the last check started and when the batch ended, by the VM's clock.
  const ran = finished ? ranLine(run.stdout, batch.nonce) : null;
  const durations = durationsOf(batch, frames, ran ? ran.endedAt : null);
  // The running check started after the shell last printed: it ran for at most that long.
  const ranFor = (run.quietMs ?? 0) / 1000;
  const finish = (rest: { results: CheckResult[]; rerun: PlannedSshCheck[]; careful?: boolean; timedOut?: string[] }) => ({
    careful: false,
    timedOut: [],
    ...rest,
    durations,
  });

  const results: CheckResult[] = [];
  for (const [index, check] of batch.checks.entries()) {
    const frame = frames.get(check.id);
    if (frame) {
      results.push(resultOf(check, frame));
      continue;
    }
    // Frames are sent only before some checks: the one running is this one only if the next would have sent its frame.
    const knownRunning = index === batch.checks.length - 1 || batch.flushBefore[index + 1];
    if (run.timedOut && !knownRunning) return finish({ results, rerun: batch.checks.slice(index), careful: true });
    // 95%: Navigator's clock starts when the input is written or the last frames arrive, give or take a packet.
    if (run.timedOut && index > 0 && ranFor < check.timeoutSeconds * 0.95) return finish({ results, rerun: batch.checks.slice(index) });
    if (run.timedOut) {
      results.push({ checkId: check.id, status: 'error', reason: coded('check.timed_out', { seconds: check.timeoutSeconds }), output: null });
      return finish({ results, rerun: batch.checks.slice(index + 1), timedOut: [check.id] });
    }
    const reason = coded(run.closed ? 'check.no_result_closed' : 'check.no_result_cut');
    results.push(...batch.checks.slice(index).map((c): CheckResult => ({ checkId: c.id, status: 'error', reason, output: null })));
    return finish({ results, rerun: [] });
  }
  return finish({ results, rerun: [] });
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
