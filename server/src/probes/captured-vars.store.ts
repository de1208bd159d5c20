import { Injectable } from '@nestjs/common';
import type { VmChannel } from '../ssh/ssh.types';

/**
 * What each VM's `capture` checks found (a var's value on that VM). Checks use only what was found on
 * the connection they run on: a restart, a reconnect or a rebuilt VM finds the values again before
 * the checks that use them run (captureRounds), so nothing runs with a value from another machine or
 * with the workshop's default. Kept in memory only: finding them again costs one batch per
 * connection, and needs no store that could go stale. The attendee's page shows the last values found.
 */
@Injectable()
export class CapturedVarsStore {
  private onConnection = new WeakMap<VmChannel, Record<string, string>>();
  private readonly lastFound = new Map<string, Record<string, string>>();

  /** What was found on this connection. */
  foundOn(channel: VmChannel): Readonly<Record<string, string>> {
    return this.onConnection.get(channel) ?? {};
  }

  /** Records what a probe found; true when the attendee's values changed (their page shows them). */
  record(attendeeId: string, channel: VmChannel, found: Readonly<Record<string, string>>): boolean {
    if (Object.keys(found).length === 0) return false;
    this.onConnection.set(channel, { ...this.onConnection.get(channel), ...found });
    const before = this.lastFound.get(attendeeId) ?? {};
    const after = { ...before, ...found };
    this.lastFound.set(attendeeId, after);
    return Object.entries(found).some(([name, value]) => before[name] !== value);
  }

  /** The last values found on the attendee's VM, on whatever connection. */
  valuesOf(attendeeId: string): Readonly<Record<string, string>> {
    return this.lastFound.get(attendeeId) ?? {};
  }

  forget(attendeeId: string): void {
    this.lastFound.delete(attendeeId);
  }

  clear(): void {
    this.onConnection = new WeakMap();
    this.lastFound.clear();
  }
}
