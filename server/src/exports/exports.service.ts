import { Injectable } from '@nestjs/common';
import type { Locale } from '../contract/i18n/locales';
import { DiscussionService } from '../discussion/discussion.service';
import { PrismaService } from '../prisma/prisma.service';
import { workshopText } from '../workshops/workshop.schema';
import { WorkshopsService } from '../workshops/workshops.service';
import { csvField, stepHistory } from './step-history';
import { ExportWriter, membersLine, noteLine } from './export-writer';

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

  async discussionMarkdown(locale: Locale): Promise<string> {
    const w = new ExportWriter(locale);
    const view = await this.discussion.view({ role: 'navigator' });
    const lines = [`# ${w.t('exports.discussion.title', { title: w.text(this.workshops.workshop.definition.title) })}`, ''];
    if (view.prompt) lines.push(`> ${w.text(view.prompt)}`, '');
    for (const group of view.groups) {
      lines.push(`## ${w.t('exports.discussion.group', { position: group.position + 1, name: w.text(group.name) })}`, '');
      lines.push(
        membersLine(
          w,
          group.members.map((m) => m.displayName),
        ),
        '',
      );
      for (const note of group.notes ?? []) lines.push(noteLine(w, note.text, note.authorName));
      lines.push('');
    }
    return lines.join('\n');
  }

  /**
   * One row per attendee and step. UTF-8 with a byte-order mark, so spreadsheet programs read names in any
   * script (Japanese ones included) as UTF-8; headers in the file's language, data as data (ISO times, minutes).
   */
  async progressCsv(locale: Locale): Promise<string> {
    const w = new ExportWriter(locale);
    const definition = this.workshops.workshop.definition;
    const clock = await this.workshops.clock();
    const attendees = await this.prisma.attendee.findMany({
      where: { runId: this.workshops.workshop.runId },
      orderBy: { createdAt: 'asc' },
      include: { transitions: { select: { checkId: true, toStatus: true, at: true } } },
    });
    const header = [w.t('exports.csv.attendee'), w.t('exports.csv.step'), w.t('exports.csv.firstDoneAt'), w.t('exports.csv.minutesSpent')];
    const rows = [header.map(csvField).join(',')];
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
    return BOM + rows.join('\r\n') + '\r\n';
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
        helpRequests: a.helpRequests.map((h) => ({
          raisedAt: h.raisedAt,
          acknowledgedAt: h.acknowledgedAt,
          acknowledgedBy: h.acknowledgedAt ? h.acknowledgedBy : null,
          resolvedAt: h.resolvedAt,
        })),
      })),
    };
  }
}

/** The byte-order mark: how a spreadsheet program knows a CSV file is UTF-8. */
export const BOM = '\ufeff';
