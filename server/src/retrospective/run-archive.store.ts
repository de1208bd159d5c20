import { Injectable } from '@nestjs/common';
import type { RunSummaryView } from '../contract/retrospective';
import { PrismaService } from '../prisma/prisma.service';
import { agendaOf, isSticky, workshopText, type WorkshopDefinition } from '../workshops/workshop.schema';
import { TransitionHistoryReader } from './history.reader';
import type { AgendaRecord, RunRecord, TransitionRecord } from './run-record';

/** The database side of runs and retrospectives: every run's history read back as plain data. */
@Injectable()
export class RunArchiveStore {
  constructor(
    private readonly prisma: PrismaService,
    private readonly history: TransitionHistoryReader,
  ) {}

  async summaries(workshopId: string, runIds?: string[]): Promise<RunSummaryView[]> {
    const [runs, revisions] = await Promise.all([
      this.prisma.run.findMany({
        where: { workshopId, ...(runIds ? { id: { in: runIds } } : {}) },
        orderBy: { number: 'desc' },
        include: {
          workshop: { select: { title: true } },
          _count: { select: { attendees: true } },
        },
      }),
      this.prisma.workshopRevision.findMany({ where: { workshopId }, orderBy: { id: 'asc' }, select: { definitionHash: true, definitionJson: true } }),
    ]);
    // Connected at least once: lastSeenAt is set on every successful connection.
    const connected = await this.prisma.attendee.groupBy({
      by: ['runId'],
      where: { runId: { in: runs.map((r) => r.id) }, lastSeenAt: { not: null } },
      _count: true,
    });
    const connectedBy = new Map(connected.map((row) => [row.runId, row._count]));
    return runs.map((run) => ({
      id: run.id,
      number: run.number,
      workshopId: run.workshopId,
      title: titleOf(revisions.find((r) => r.definitionHash === run.definitionHash)?.definitionJson) ?? run.workshop.title,
      startedAt: run.startedAt.toISOString(),
      archivedAt: run.archivedAt?.toISOString() ?? null,
      active: run.archivedAt === null,
      version: { revision: revisions.findIndex((r) => r.definitionHash === run.definitionHash) + 1, hash: run.definitionHash },
      attendance: { registered: run._count.attendees, connected: connectedBy.get(run.id) ?? 0 },
      shared: run.shareTokenHash !== null,
      sharePath: null,
    }));
  }

  async runOf(runId: string): Promise<{ id: string; workshopId: string; archivedAt: Date | null; shareTokenHash: string | null } | null> {
    return this.prisma.run.findUnique({ where: { id: runId }, select: { id: true, workshopId: true, archivedAt: true, shareTokenHash: true } });
  }

  async runIdByShareHash(hash: string): Promise<string | null> {
    return (await this.prisma.run.findUnique({ where: { shareTokenHash: hash }, select: { id: true } }))?.id ?? null;
  }

  async setShareHash(runId: string, hash: string | null): Promise<void> {
    await this.prisma.run.update({ where: { id: runId }, data: { shareTokenHash: hash } });
  }

  /** Everything one run holds, as plain data; `now` ends the window of a run still going. */
  async record(summary: RunSummaryView, now: number): Promise<RunRecord> {
    const run = await this.prisma.run.findUniqueOrThrow({ where: { id: summary.id } });
    const [revision, attendees, transitions, help, groups, timer] = await Promise.all([
      this.prisma.workshopRevision.findUniqueOrThrow({
        where: { workshopId_definitionHash: { workshopId: run.workshopId, definitionHash: run.definitionHash } },
      }),
      this.prisma.attendee.findMany({ where: { runId: run.id }, orderBy: { createdAt: 'asc' }, select: { id: true, displayName: true, createdAt: true } }),
      this.transitions(run.id, 0),
      this.prisma.helpRequest.findMany({ where: { attendee: { runId: run.id } }, orderBy: { id: 'asc' } }),
      this.prisma.group.findMany({
        where: { runId: run.id },
        include: {
          members: { select: { id: true }, orderBy: { displayName: 'asc' } },
          notes: { where: { deletedAt: null }, orderBy: { createdAt: 'asc' }, select: { authorName: true, text: true } },
        },
      }),
      this.prisma.timer.findUnique({ where: { runId_kind: { runId: run.id, kind: 'discussion' } } }),
    ]);
    const definition = JSON.parse(revision.definitionJson) as WorkshopDefinition;
    return {
      run: summary,
      steps: stepsOf(definition),
      agenda: agendaRecord(definition),
      discussion: {
        prompt: workshopText(definition, definition.discussion.prompt),
        minutes: definition.discussion.minutes,
        presentationMinutes: definition.discussion.presentationMinutes,
      },
      clockStartedAt: run.clockStartedAt?.getTime() ?? null,
      endAt: run.archivedAt?.getTime() ?? now,
      attendees: attendees.map((a) => ({ id: a.id, name: a.displayName, registeredAt: a.createdAt.getTime() })),
      transitions: transitions.rows,
      help: help.map((h) => ({
        attendeeId: h.attendeeId,
        message: h.message,
        raisedAt: h.raisedAt.getTime(),
        acknowledgedAt: h.acknowledgedAt?.getTime() ?? null,
        acknowledgedBy: h.acknowledgedAt ? (h.acknowledgedBy ?? null) : null,
        resolvedAt: h.resolvedAt?.getTime() ?? null,
      })),
      groups: groups.map((g) => ({
        name: g.name,
        position: g.position,
        presented: g.presented,
        skipped: g.skipped,
        memberIds: g.members.map((m) => m.id),
        notes: g.notes.map((n) => ({ author: n.authorName, text: n.text })),
        presentationStartedAt: g.presentationStartedAt?.getTime() ?? null,
        presentationEndedAt: g.presentationEndedAt?.getTime() ?? null,
      })),
      discussionTimer: timer ? { durationMs: timer.durationMs, elapsedMs: timer.elapsedMs, startedAt: timer.startedAt?.getTime() ?? null } : null,
    };
  }

  /** A run's transitions after `afterId`, in stored order: the live chart reads only what is new. */
  async transitions(runId: string, afterId: number): Promise<{ rows: TransitionRecord[]; lastId: number }> {
    return Promise.resolve(this.history.since(runId, afterId));
  }

  async attendeesOf(runId: string): Promise<{ id: string; name: string; registeredAt: number }[]> {
    const rows = await this.prisma.attendee.findMany({
      where: { runId },
      orderBy: { createdAt: 'asc' },
      select: { id: true, displayName: true, createdAt: true },
    });
    return rows.map((a) => ({ id: a.id, name: a.displayName, registeredAt: a.createdAt.getTime() }));
  }
}

/** A retrospective names steps and checks in the workshop's language (its default). */
export function stepsOf(definition: WorkshopDefinition): RunRecord['steps'] {
  const text = (value: Parameters<typeof workshopText>[1]) => workshopText(definition, value);
  return definition.steps.map((step) => ({
    id: step.id,
    title: text(step.title),
    minutes: step.minutes,
    hint: text(step.hint),
    checks: step.checks.map((check) => ({
      id: check.id,
      title: text(check.title),
      failure: check.failure === undefined ? null : text(check.failure),
      ...(isSticky(step, check) ? { sticky: true } : {}),
    })),
    ...(step.optional ? { optional: true } : {}),
  }));
}

export function agendaRecord(definition: WorkshopDefinition): AgendaRecord[] {
  return agendaOf(definition).map((item) => ({ ...item, title: workshopText(definition, item.title) }));
}

function titleOf(definitionJson: string | undefined): string | null {
  if (!definitionJson) return null;
  const definition = JSON.parse(definitionJson) as Partial<WorkshopDefinition>;
  return definition.title === undefined ? null : workshopText(definition, definition.title);
}
