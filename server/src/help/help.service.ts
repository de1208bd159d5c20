import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { DomainEventBus } from '../common/domain-events';
import { humanTextIssue } from '../common/human-text';
import type { Ack } from '../contract/events';
import type { HandView, HelpQueueView } from '../contract/views';
import { PrismaService } from '../prisma/prisma.service';
import { WorkshopsService } from '../workshops/workshops.service';
import { HostKeyRequestsService } from './host-key-requests.service';
import { refusal } from '../contract/i18n/english';

export const HELP_MESSAGE_MAX_CHARS = 280;

/** Raised hands: one open request per attendee, oldest first, kept in the database so a restart loses none. */
@Injectable()
export class HelpService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly workshops: WorkshopsService,
    private readonly events: DomainEventBus,
    private readonly hostKeys: HostKeyRequestsService,
  ) {}

  async raise(attendeeId: string, message: string | undefined): Promise<Ack> {
    const text = message?.trim() ?? '';
    if (text.length > HELP_MESSAGE_MAX_CHARS) return refusal('form.too_long', { max: HELP_MESSAGE_MAX_CHARS });
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) return refusal('form.message_control');
    const problem = humanTextIssue(text);
    if (problem) return refusal('form.text_problem', { subject: 'message', problem });
    const open = await this.prisma.helpRequest.findFirst({ where: { attendeeId, resolvedAt: null } });
    if (open) await this.prisma.helpRequest.update({ where: { id: open.id }, data: { message: text } });
    else await this.prisma.helpRequest.create({ data: { attendeeId, message: text } });
    this.events.emit('help.changed', { attendeeId });
    return { ok: true };
  }

  async lower(attendeeId: string): Promise<Ack> {
    await this.prisma.helpRequest.updateMany({ where: { attendeeId, resolvedAt: null }, data: { resolvedAt: new Date() } });
    this.events.emit('help.changed', { attendeeId });
    return { ok: true };
  }

  /** *I'm on it*: the queue and the attendee's page say who is coming. */
  async acknowledge(requestId: number, by: Principal): Promise<Ack> {
    return this.update(requestId, { acknowledgedAt: new Date(), acknowledgedBy: by.role === 'helper' ? by.name : 'Navigator' });
  }

  async resolve(requestId: number): Promise<Ack> {
    return this.update(requestId, { resolvedAt: new Date() });
  }

  /** Helpers answer hands; trusting a rebuilt VM's host key is the navigator's decision alone. */
  async helperQueue(): Promise<HelpQueueView> {
    return { ...(await this.queue()), hostKeys: [] };
  }

  /** The projector shows who is waiting, never what they wrote, nor anyone's host keys. */
  async publicQueue(): Promise<HelpQueueView> {
    const queue = await this.queue();
    return { requests: queue.requests.map((request) => ({ ...request, message: '', seat: null })), hostKeys: [] };
  }

  async queue(): Promise<HelpQueueView> {
    const open = await this.prisma.helpRequest.findMany({
      where: { resolvedAt: null, attendee: { runId: this.workshops.workshop.runId } },
      orderBy: { raisedAt: 'asc' },
      include: { attendee: { select: { displayName: true, seat: true } } },
    });
    return {
      hostKeys: await this.hostKeys.open(),
      requests: open.map((r) => ({
        id: r.id,
        attendeeId: r.attendeeId,
        displayName: r.attendee.displayName,
        seat: r.attendee.seat,
        message: r.message,
        raisedAt: r.raisedAt.toISOString(),
        acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null,
        acknowledgedBy: r.acknowledgedBy,
      })),
    };
  }

  async handOf(attendeeId: string): Promise<HandView | null> {
    const open = await this.prisma.helpRequest.findFirst({ where: { attendeeId, resolvedAt: null } });
    return open
      ? {
          raisedAt: open.raisedAt.toISOString(),
          acknowledgedAt: open.acknowledgedAt?.toISOString() ?? null,
          acknowledgedBy: open.acknowledgedBy,
          message: open.message,
        }
      : null;
  }

  private async update(requestId: number, data: { acknowledgedAt?: Date; acknowledgedBy?: string; resolvedAt?: Date }): Promise<Ack> {
    const request = await this.prisma.helpRequest.findFirst({ where: { id: requestId, resolvedAt: null, attendee: { runId: this.workshops.workshop.runId } } });
    if (!request) return refusal('help.already_resolved');
    await this.prisma.helpRequest.update({ where: { id: requestId }, data });
    this.events.emit('help.changed', { attendeeId: request.attendeeId });
    return { ok: true };
  }
}
