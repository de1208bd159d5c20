import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { DomainEventBus } from '../common/domain-events';
import type { Ack, NoteAck } from '../contract/events';
import { MessageFormatter } from '../contract/i18n/catalog';
import { DEFAULT_LOCALE } from '../contract/i18n/locales';
import roomMessages from '../contract/i18n/room';
import { refusal } from '../contract/i18n/english';
import type { DiscussionView, GroupView, NoteView, TimerKind, TimerView } from '../contract/views';
import type { Group, Note, Timer } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { ProgressService } from '../progress/progress.service';
import { RoomLanguageService } from '../workshops/room-language.service';
import { WorkshopsService } from '../workshops/workshops.service';
import { workshopLanguage } from '../workshops/workshop.schema';
import {
  extendTimer,
  formGroups,
  GROUP_NAME_MAX_CHARS,
  nextPresenter,
  NOTES_PER_GROUP,
  pauseTimer,
  remainingMs,
  shuffle,
  startTimer,
  validateNoteText,
  type GroupingRequest,
  type TimerState,
} from './discussion.rules';

export class DiscussionError extends Error {}

const TIMER_KINDS: TimerKind[] = ['discussion', 'presenter'];

@Injectable()
export class DiscussionService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly workshops: WorkshopsService,
    private readonly progress: ProgressService,
    private readonly events: DomainEventBus,
    private readonly roomLanguage: RoomLanguageService,
  ) {}

  private get runId(): string {
    return this.workshops.workshop.runId;
  }

  // ── groups ────────────────────────────────────────────────────────────────

  /** Replaces the groups with new ones formed from every registered attendee. Notes of old groups go with them. */
  async formGroups(request: GroupingRequest): Promise<void> {
    const attendees = await this.prisma.attendee.findMany({ where: { runId: this.runId }, select: { id: true } });
    if (attendees.length === 0) throw new DiscussionError('nobody has registered yet');
    const members = attendees.map(({ id }) => ({ id, doneCount: this.progress.progressOf(id).doneCount }));
    const groups = formGroups(members, request);
    // New groups are named in the room's language ("Group 1", "グループ1"); the navigator may rename them.
    const names = new MessageFormatter(roomMessages, (await this.roomLanguage.language()) ?? DEFAULT_LOCALE);
    await this.prisma.$transaction(async (tx) => {
      await tx.group.deleteMany({ where: { runId: this.runId } });
      await tx.run.update({ where: { id: this.runId }, data: { presentingGroupId: null } });
      for (const [index, memberIds] of groups.entries()) {
        const group = await tx.group.create({
          data: { id: randomUUID(), runId: this.runId, name: names.format('room.groupName', { number: index + 1 }), position: index },
        });
        await tx.attendee.updateMany({ where: { id: { in: memberIds } }, data: { groupId: group.id } });
      }
    });
    this.changed();
  }

  async moveMember(attendeeId: string, groupId: string | null): Promise<void> {
    if (groupId) await this.requireGroup(groupId);
    const moved = await this.prisma.attendee.updateMany({ where: { id: attendeeId, runId: this.runId }, data: { groupId } });
    if (moved.count === 0) throw new DiscussionError('no such attendee');
    this.changed();
  }

  async renameGroup(groupId: string, name: string): Promise<void> {
    if (name.trim().length === 0 || name.trim().length > GROUP_NAME_MAX_CHARS) {
      throw new DiscussionError(`a group name is 1 to ${GROUP_NAME_MAX_CHARS} characters`);
    }
    await this.requireGroup(groupId);
    await this.prisma.group.update({ where: { id: groupId }, data: { name: name.trim() } });
    this.changed();
  }

  // ── notes ─────────────────────────────────────────────────────────────────

  /** Resolves only after the note is committed: an acknowledged note survives a crash. */
  async createNote(principal: Principal, groupId: string, text: string): Promise<NoteAck> {
    const group = await this.prisma.group.findFirst({ where: { id: groupId, runId: this.runId } });
    if (!group) return refusal('note.unknown_group');
    const author = await this.authorFor(principal, group.id);
    if (!author) return refusal('note.own_group_only');
    const valid = validateNoteText(text);
    if (!valid.ok) return valid;
    const count = await this.prisma.note.count({ where: { groupId, deletedAt: null } });
    if (count >= NOTES_PER_GROUP) return refusal('limit.notes', { max: NOTES_PER_GROUP });
    const note = await this.prisma.note.create({
      data: { id: randomUUID(), groupId, authorAttendeeId: author.attendeeId, authorName: author.name, text: valid.text },
    });
    this.changed();
    return { ok: true, note: noteView(note) };
  }

  /** Saves only over the version the editor saw; otherwise both texts go back to the editor. */
  async updateNote(principal: Principal, noteId: string, text: string, version: number): Promise<NoteAck> {
    // Only the active run's notes: an archived run is read-only.
    const note = await this.prisma.note.findFirst({ where: { id: noteId, group: { runId: this.runId } } });
    if (!note || note.deletedAt) return { ...refusal('note.gone'), conflict: { current: null, yours: text } };
    if (!(await this.mayEdit(principal, note))) return refusal('note.edit_forbidden');
    const valid = validateNoteText(text);
    if (!valid.ok) return valid;
    const saved = await this.prisma.note.updateMany({
      where: { id: note.id, version, deletedAt: null },
      data: { text: valid.text, version: { increment: 1 }, updatedAt: new Date() },
    });
    if (saved.count === 0) {
      const current = await this.prisma.note.findUnique({ where: { id: note.id } });
      return {
        ...refusal('note.conflict'),
        conflict: { current: current && !current.deletedAt ? noteView(current) : null, yours: valid.text },
      };
    }
    this.changed();
    return { ok: true, note: noteView((await this.prisma.note.findUnique({ where: { id: note.id } }))!) };
  }

  async deleteNote(principal: Principal, noteId: string): Promise<Ack> {
    // Only the active run's notes: an archived run is read-only.
    const note = await this.prisma.note.findFirst({ where: { id: noteId, group: { runId: this.runId } } });
    if (!note || note.deletedAt) return refusal('note.gone');
    if (!(await this.mayEdit(principal, note))) return refusal('note.delete_forbidden');
    await this.prisma.note.update({ where: { id: note.id }, data: { deletedAt: new Date() } });
    this.changed();
    return { ok: true };
  }

  // ── timers and presentations ─────────────────────────────────────────────

  async timer(kind: TimerKind, action: 'start' | 'pause' | 'extend' | 'reset', minutes?: number, now = new Date()): Promise<void> {
    const current = await this.timerState(kind);
    let next: TimerState;
    switch (action) {
      case 'start':
        next = startTimer(current, now);
        break;
      case 'pause':
        next = pauseTimer(current, now);
        break;
      case 'extend':
        if (typeof minutes !== 'number' || !Number.isFinite(minutes) || Math.abs(minutes) > 120) throw new DiscussionError('extend by -120 to 120 minutes');
        next = extendTimer(current, minutes * 60_000);
        break;
      case 'reset':
        next = { durationMs: this.defaultDurationMs(kind, minutes), elapsedMs: 0, startedAt: null };
        break;
    }
    await this.saveTimer(kind, next);
    this.changed();
  }

  async shuffleOrder(): Promise<void> {
    const groups = await this.prisma.group.findMany({ where: { runId: this.runId } });
    await this.prisma.$transaction(shuffle(groups).map((group, position) => this.prisma.group.update({ where: { id: group.id }, data: { position } })));
    this.changed();
  }

  async moveInOrder(groupId: string, position: number): Promise<void> {
    const groups = await this.prisma.group.findMany({ where: { runId: this.runId }, orderBy: { position: 'asc' } });
    const moving = groups.find((g) => g.id === groupId);
    if (!moving) throw new DiscussionError('unknown group');
    const rest = groups.filter((g) => g.id !== groupId);
    rest.splice(Math.max(0, Math.min(rest.length, Math.floor(position))), 0, moving);
    await this.prisma.$transaction(rest.map((group, index) => this.prisma.group.update({ where: { id: group.id }, data: { position: index } })));
    this.changed();
  }

  /** next: the current group has presented, the next one starts with a fresh presenter timer. skip: pass over the up-next group. */
  async present(action: 'next' | 'skip' | 'stop' | 'restart', now = new Date()): Promise<void> {
    const run = await this.prisma.run.findUniqueOrThrow({ where: { id: this.runId } });
    const groups = await this.prisma.group.findMany({ where: { runId: this.runId } });
    const current = run.presentingGroupId;
    switch (action) {
      case 'next': {
        if (current) await this.prisma.group.update({ where: { id: current }, data: { presented: true, presentationEndedAt: now } });
        const marked = groups.map((g) => (g.id === current ? { ...g, presented: true } : g));
        const next = nextPresenter(marked, current);
        await this.prisma.run.update({ where: { id: this.runId }, data: { presentingGroupId: next } });
        if (next) await this.prisma.group.update({ where: { id: next }, data: { presentationStartedAt: now, presentationEndedAt: null } });
        await this.saveTimer(
          'presenter',
          next
            ? { durationMs: this.defaultDurationMs('presenter'), elapsedMs: 0, startedAt: now }
            : { ...(await this.timerState('presenter')), startedAt: null },
        );
        break;
      }
      case 'skip': {
        const upNext = nextPresenter(groups, current);
        if (upNext) await this.prisma.group.update({ where: { id: upNext }, data: { skipped: true } });
        break;
      }
      case 'stop':
        if (current) await this.prisma.group.update({ where: { id: current }, data: { presentationEndedAt: now } });
        await this.prisma.run.update({ where: { id: this.runId }, data: { presentingGroupId: null } });
        await this.saveTimer('presenter', pauseTimer(await this.timerState('presenter'), now));
        break;
      case 'restart':
        await this.prisma.group.updateMany({ where: { runId: this.runId }, data: { presented: false, skipped: false } });
        await this.prisma.run.update({ where: { id: this.runId }, data: { presentingGroupId: null } });
        break;
    }
    this.changed();
  }

  // ── views ────────────────────────────────────────────────────────────────

  /** What one person may see: the navigator every note, an attendee only their own group's, the projector none. */
  async view(principal: Principal, now = new Date()): Promise<DiscussionView> {
    const [run, groups, attendees, timers] = await Promise.all([
      this.prisma.run.findUniqueOrThrow({ where: { id: this.runId } }),
      this.prisma.group.findMany({
        where: { runId: this.runId },
        orderBy: { position: 'asc' },
        include: { notes: { where: { deletedAt: null }, orderBy: { createdAt: 'asc' } } },
      }),
      this.prisma.attendee.findMany({
        where: { runId: this.runId },
        select: { id: true, displayName: true, groupId: true },
        orderBy: { displayName: 'asc' },
      }),
      this.prisma.timer.findMany({ where: { runId: this.runId } }),
    ]);
    const myGroupId = principal.role === 'attendee' ? (attendees.find((a) => a.id === principal.attendeeId)?.groupId ?? null) : null;
    const seesNotes = (group: Group) => principal.role === 'navigator' || (principal.role === 'attendee' && group.id === myGroupId);
    const groupViews: GroupView[] = groups.map((group) => ({
      id: group.id,
      name: group.name,
      position: group.position,
      presented: group.presented,
      skipped: group.skipped,
      members: attendees.filter((a) => a.groupId === group.id).map((a) => ({ id: a.id, displayName: a.displayName })),
      notes: seesNotes(group) ? group.notes.map(noteView) : null,
    }));
    const discussion = this.workshops.workshop.definition.discussion;
    return {
      prompt: discussion.prompt,
      language: workshopLanguage(this.workshops.workshop.definition),
      groups: groupViews,
      ungrouped: principal.role === 'navigator' ? attendees.filter((a) => !a.groupId).map((a) => ({ id: a.id, displayName: a.displayName })) : [],
      myGroupId,
      presentingGroupId: run.presentingGroupId,
      upNextGroupId: nextPresenter(groups, run.presentingGroupId),
      timers: Object.fromEntries(
        TIMER_KINDS.map((kind) => [kind, timerView(kind, timers.find((t) => t.kind === kind) ?? null, this.defaultDurationMs(kind), now)]),
      ) as Record<TimerKind, TimerView>,
    };
  }

  /** The views for these attendees: members of one group see the same thing, so one view is built per group, not per person. */
  async viewsForAttendees(attendeeIds: readonly string[]): Promise<{ attendeeIds: string[]; view: DiscussionView }[]> {
    const rows = await this.prisma.attendee.findMany({ where: { id: { in: [...attendeeIds] } }, select: { id: true, groupId: true } });
    const byGroup = new Map<string | null, string[]>();
    for (const row of rows) byGroup.set(row.groupId, [...(byGroup.get(row.groupId) ?? []), row.id]);
    return Promise.all(
      [...byGroup.values()].map(async (members) => ({ attendeeIds: members, view: await this.view({ role: 'attendee', attendeeId: members[0] }) })),
    );
  }

  // ── helpers ──────────────────────────────────────────────────────────────

  private changed(): void {
    this.events.emit('discussion.changed', {});
  }

  private async requireGroup(groupId: string): Promise<Group> {
    const group = await this.prisma.group.findFirst({ where: { id: groupId, runId: this.runId } });
    if (!group) throw new DiscussionError('unknown group');
    return group;
  }

  private async authorFor(principal: Principal, groupId: string): Promise<{ attendeeId: string | null; name: string } | null> {
    switch (principal.role) {
      case 'navigator':
        return { attendeeId: null, name: 'Navigator' };
      case 'projector':
      case 'helper':
        return null;
      case 'attendee': {
        const attendee = await this.prisma.attendee.findUnique({ where: { id: principal.attendeeId } });
        return attendee?.groupId === groupId ? { attendeeId: attendee.id, name: attendee.displayName } : null;
      }
    }
  }

  private async mayEdit(principal: Principal, note: Note): Promise<boolean> {
    if (principal.role === 'navigator') return true;
    if (principal.role !== 'attendee' || note.authorAttendeeId !== principal.attendeeId) return false;
    const attendee = await this.prisma.attendee.findUnique({ where: { id: principal.attendeeId } });
    return attendee?.groupId === note.groupId;
  }

  private defaultDurationMs(kind: TimerKind, minutes?: number): number {
    const discussion = this.workshops.workshop.definition.discussion;
    const chosen =
      typeof minutes === 'number' && minutes > 0 && minutes <= 240 ? minutes : kind === 'discussion' ? discussion.minutes : discussion.presentationMinutes;
    return Math.round(chosen * 60_000);
  }

  private async timerState(kind: TimerKind): Promise<TimerState> {
    const row = await this.prisma.timer.findUnique({ where: { runId_kind: { runId: this.runId, kind } } });
    return row
      ? { durationMs: row.durationMs, elapsedMs: row.elapsedMs, startedAt: row.startedAt }
      : { durationMs: this.defaultDurationMs(kind), elapsedMs: 0, startedAt: null };
  }

  private async saveTimer(kind: TimerKind, state: TimerState): Promise<void> {
    const data = { durationMs: state.durationMs, elapsedMs: state.elapsedMs, startedAt: state.startedAt, updatedAt: new Date() };
    await this.prisma.timer.upsert({
      where: { runId_kind: { runId: this.runId, kind } },
      create: { runId: this.runId, kind, ...data },
      update: data,
    });
  }
}

export function noteView(note: Note): NoteView {
  return {
    id: note.id,
    groupId: note.groupId,
    authorAttendeeId: note.authorAttendeeId,
    authorName: note.authorName,
    text: note.text,
    version: note.version,
    updatedAt: note.updatedAt.toISOString(),
  };
}

function timerView(kind: TimerKind, row: Timer | null, defaultMs: number, now: Date): TimerView {
  const state: TimerState = row
    ? { durationMs: row.durationMs, elapsedMs: row.elapsedMs, startedAt: row.startedAt }
    : { durationMs: defaultMs, elapsedMs: 0, startedAt: null };
  return { kind, durationMs: state.durationMs, remainingMs: remainingMs(state, now), running: state.startedAt !== null, serverTime: now.toISOString() };
}
