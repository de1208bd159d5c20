import { Injectable } from '@nestjs/common';
import type { CheckStatus, ConnectedReason, UnreachableReason } from '../contract/checks';
import { PrismaService } from '../prisma/prisma.service';
import type { CheckTransition } from './transitions';

export interface StoredCheckStatus {
  attendeeId: string;
  checkId: string;
  status: CheckStatus;
  reason: string | null;
  at: Date;
}

/** The stored connection status: only `connected` and `unreachable` are history. */
export interface StoredConnectionStatus {
  state: 'connected' | 'unreachable';
  /** Connected with commands_blocked is history too: the attendee's steps cannot be judged meanwhile. */
  reason: UnreachableReason | ConnectedReason | null;
}

/** The database side of progress: transitions appended, and the latest status of everything read back at start. */
@Injectable()
export class TransitionStore {
  constructor(private readonly prisma: PrismaService) {}

  async appendChecks(attendeeId: string, transitions: readonly (CheckTransition & { stepId: string | null })[]): Promise<void> {
    await this.prisma.transition.createMany({
      data: transitions.map((t) => ({
        attendeeId,
        checkId: t.checkId,
        stepId: t.stepId,
        fromStatus: t.from,
        toStatus: t.to,
        reason: t.reason,
        at: t.at,
      })),
    });
  }

  async appendConnection(attendeeId: string, from: StoredConnectionStatus | null, to: StoredConnectionStatus, at: Date): Promise<void> {
    await this.prisma.transition.create({ data: { attendeeId, fromStatus: from?.state ?? null, toStatus: to.state, reason: to.reason, at } });
    if (to.state === 'connected') await this.prisma.attendee.update({ where: { id: attendeeId }, data: { lastSeenAt: at } });
  }

  /** The newest transition per attendee and check is its status now. */
  async latestCheckStatuses(runId: string): Promise<StoredCheckStatus[]> {
    const rows = await this.prisma.$queryRawUnsafe<{ attendeeId: string; checkId: string; toStatus: string; reason: string | null; at: number | string }[]>(
      `SELECT t.attendeeId, t.checkId, t.toStatus, t.reason, t.at FROM "Transition" t
       JOIN (SELECT tr.attendeeId, tr.checkId, MAX(tr.id) AS id FROM "Transition" tr JOIN "Attendee" a ON a.id = tr.attendeeId
             WHERE tr.checkId IS NOT NULL AND a.runId = ? GROUP BY tr.attendeeId, tr.checkId) last ON last.id = t.id`,
      runId,
    );
    return rows.map((row) => ({
      attendeeId: row.attendeeId,
      checkId: row.checkId,
      status: row.toStatus as CheckStatus,
      reason: row.reason,
      at: sqliteDate(row.at),
    }));
  }

  /** Every check that passed at least once in the run, per attendee: what sticky checks count from. */
  passedChecks(runId: string): Promise<{ attendeeId: string; checkId: string }[]> {
    return this.prisma.$queryRawUnsafe<{ attendeeId: string; checkId: string }[]>(
      `SELECT DISTINCT tr.attendeeId, tr.checkId FROM "Transition" tr JOIN "Attendee" a ON a.id = tr.attendeeId
       WHERE tr.checkId IS NOT NULL AND tr.toStatus = 'pass' AND a.runId = ?`,
      runId,
    );
  }

  async latestConnectionStatuses(runId: string): Promise<Map<string, StoredConnectionStatus>> {
    const rows = await this.prisma.$queryRawUnsafe<{ attendeeId: string; toStatus: string; reason: string | null }[]>(
      `SELECT t.attendeeId, t.toStatus, t.reason FROM "Transition" t
       JOIN (SELECT tr.attendeeId, MAX(tr.id) AS id FROM "Transition" tr JOIN "Attendee" a ON a.id = tr.attendeeId
             WHERE tr.checkId IS NULL AND a.runId = ? GROUP BY tr.attendeeId) last ON last.id = t.id`,
      runId,
    );
    return new Map(
      rows.map((row) => [
        row.attendeeId,
        { state: row.toStatus === 'connected' ? 'connected' : 'unreachable', reason: row.reason as StoredConnectionStatus['reason'] },
      ]),
    );
  }

  attendees(runId: string): Promise<{ id: string; createdAt: Date }[]> {
    return this.prisma.attendee.findMany({ where: { runId }, select: { id: true, createdAt: true } });
  }
}

function sqliteDate(value: number | string): Date {
  return new Date(typeof value === 'string' ? value : Number(value));
}
