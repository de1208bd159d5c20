import { Injectable } from '@nestjs/common';
import { DiscussionService } from '../discussion/discussion.service';
import { PrismaService } from '../prisma/prisma.service';
import { workshopText } from '../workshops/workshop.schema';
import { WorkshopsService } from '../workshops/workshops.service';
import { csvField, stepHistory } from './step-history';
import { safeMarkdown } from './export-safety';

@Injectable()
export class ExportsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly workshops: WorkshopsService,
    private readonly discussion: DiscussionService,
  ) {}

  async discussionJson(): Promise<object> {
    const view = await this.discussion.view({ role: 'navigator' });
    const definition = this.workshops.workshop.definition;
    return {
      workshop: { id: this.workshops.workshop.id, title: workshopText(definition, definition.title) },
      exportedAt: new Date().toISOString(),
      prompt: workshopText(definition, view.prompt),
      groups: view.groups.map((g) => ({
        name: g.name,
        presentationOrder: g.position + 1,
        presented: g.presented,
        skipped: g.skipped,
        members: g.members.map((m) => m.displayName),
        notes: g.notes,
      })),
    };
  }

  async discussionMarkdown(): Promise<string> {
    const view = await this.discussion.view({ role: 'navigator' });
    const definition = this.workshops.workshop.definition;
    const prompt = workshopText(definition, view.prompt);
    const lines = [`# ${escapeMarkdown(workshopText(definition, definition.title))}: discussion`, ''];
    if (prompt) lines.push(`> ${escapeMarkdown(prompt)}`, '');
    for (const group of view.groups) {
      lines.push(`## ${group.position + 1}. ${escapeMarkdown(group.name)}`, '');
      lines.push(`Members: ${group.members.map((m) => escapeMarkdown(m.displayName)).join(', ') || '(none)'}`, '');
      for (const note of group.notes ?? []) lines.push(`- ${escapeMarkdown(note.text).replace(/\n/g, '\n  ')} (${escapeMarkdown(note.authorName)})`);
      lines.push('');
    }
    return lines.join('\n');
  }

  async progressCsv(): Promise<string> {
    const definition = this.workshops.workshop.definition;
    const clock = await this.workshops.clock();
    const attendees = await this.prisma.attendee.findMany({
      where: { runId: this.workshops.workshop.runId },
      orderBy: { createdAt: 'asc' },
      include: { transitions: { select: { checkId: true, toStatus: true, at: true } } },
    });
    const rows = [['attendee', 'step', 'first done at', 'minutes spent'].join(',')];
    for (const attendee of attendees) {
      const startedAt = clock.startedAt && clock.startedAt > attendee.createdAt ? clock.startedAt : attendee.createdAt;
      for (const row of stepHistory(definition, attendee.transitions, startedAt)) {
        rows.push(
          [
            csvField(attendee.displayName),
            csvField(row.stepId),
            csvField(row.firstDoneAt?.toISOString() ?? null),
            csvField(row.minutesSpent === null ? null : Math.round(row.minutesSpent * 10) / 10),
          ].join(','),
        );
      }
    }
    return rows.join('\r\n') + '\r\n';
  }

  async timelineJson(): Promise<object> {
    const attendees = await this.prisma.attendee.findMany({
      where: { runId: this.workshops.workshop.runId },
      orderBy: { createdAt: 'asc' },
      include: { transitions: { orderBy: { id: 'asc' } }, helpRequests: true },
    });
    return {
      workshop: { id: this.workshops.workshop.id, title: this.workshops.workshop.definition.title, definition: this.workshops.workshop.definition },
      exportedAt: new Date().toISOString(),
      attendees: attendees.map((a) => ({
        name: a.displayName,
        registeredAt: a.createdAt.toISOString(),
        transitions: a.transitions.map((t) => ({
          at: t.at.toISOString(),
          step: t.stepId,
          check: t.checkId,
          from: t.fromStatus,
          to: t.toStatus,
          reason: t.reason,
        })),
        helpRequests: a.helpRequests.map((h) => ({ raisedAt: h.raisedAt, acknowledgedAt: h.acknowledgedAt, resolvedAt: h.resolvedAt })),
      })),
    };
  }
}

function escapeMarkdown(text: string): string {
  return safeMarkdown(text);
}
