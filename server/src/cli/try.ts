import { AddressPolicy } from '../ssh/address.policy';
import { outsideChannel } from '../ssh/outside';
import { SshConnection } from '../ssh/ssh.connection';
import type { CheckResult } from '../contract/checks';
import { englishReason } from '../contract/i18n/english';
import { runChecks } from '../probes/check-runner';
import { capturedValues, checkValues } from '../probes/check-values';
import type { WorkshopDefinition } from '../workshops/workshop.schema';

export interface VmAddress {
  user: string;
  host: string;
  port: number;
}

/** user@host[:port], user@[v6]:port */
export function parseVm(text: string): VmAddress | null {
  const match = /^([a-z_][a-z0-9_.-]{0,31})@(\[[0-9a-fA-F:.]+\]|[^:@\s]+)(?::(\d{1,5}))?$/.exec(text);
  if (!match) return null;
  const port = match[3] === undefined ? 22 : Number(match[3]);
  if (port < 1 || port > 65535) return null;
  return { user: match[1], host: match[2].replace(/^\[|\]$/g, ''), port };
}

export interface TriedCheck {
  step: string;
  check: string;
  result: CheckResult;
  ms: number;
}

/** Every check once, one at a time (so each has its own time), in the file's order; captured vars carry on to later checks. */
export async function tryWorkshop(
  connection: SshConnection,
  vm: VmAddress,
  workshop: WorkshopDefinition,
  attendee: Record<string, string>,
): Promise<TriedCheck[]> {
  const outside = outsideChannel(vm.host, new AddressPolicy({ allowLoopback: true, allowLinkLocal: true }));
  const captured: Record<string, string> = {};
  const rows: TriedCheck[] = [];
  for (const step of workshop.steps) {
    for (const check of step.checks) {
      const started = performance.now();
      const [ran] = await runChecks(connection, workshop, [check], checkValues(workshop, attendee, captured), outside);
      // An attendee gives values on their page; here they are --value NAME=VALUE.
      const result: CheckResult = ran.reason?.code === 'check.missing_values' ? { ...ran, reason: { ...ran.reason, code: 'check.missing_values_cli' } } : ran;
      Object.assign(captured, capturedValues([check], [result]));
      rows.push({ step: step.id, check: check.id, result, ms: Math.round(performance.now() - started) });
    }
  }
  return rows;
}

/** A plain-text table: step, check, status, reason, time. */
export function formatTable(rows: TriedCheck[]): string {
  const cells = [
    ['STEP', 'CHECK', 'STATUS', 'REASON', 'TIME'],
    ...rows.map((r) => [r.step, r.check, r.result.status, (englishReason(r.result.reason) ?? '').replace(/\s+/g, ' ').slice(0, 100), `${r.ms} ms`]),
  ];
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ')).join('\n');
}

export async function connectToVm(vm: VmAddress, privateKey: Buffer): Promise<{ connection: SshConnection; fingerprint: string }> {
  const { connection, fingerprint } = await SshConnection.connect(
    { id: 'try', host: vm.host, port: vm.port, user: vm.user, pinnedFingerprint: null },
    { privateKey, readyTimeoutMs: 15_000, keepaliveIntervalMs: 15_000, maxSessions: 4 },
  );
  return { connection, fingerprint };
}
