import { Injectable } from '@nestjs/common';
import { DomainEventBus } from '../common/domain-events';
import type { Ack } from '../contract/events';
import type { HostKeyRequestView } from '../contract/views';
import { PrismaService } from '../prisma/prisma.service';
import { WorkshopsService } from '../workshops/workshops.service';
import { refusal } from '../contract/i18n/english';

/**
 * "My VM was rebuilt": a pinned host key is never replaced by the VM or the attendee alone. The
 * attendee asks; the navigator compares the two fingerprints (the one Navigator saw, never one the
 * attendee typed) and trusts the new key or rejects it. Trusting replaces the pin of the address the
 * old key was pinned at, and Navigator connects again with the new one.
 */
@Injectable()
export class HostKeyRequestsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly workshops: WorkshopsService,
    private readonly events: DomainEventBus,
  ) {}

  async request(attendeeId: string): Promise<Ack> {
    const attendee = await this.prisma.attendee.findUnique({ where: { id: attendeeId } });
    if (!attendee?.offeredHostKeyFingerprint || !attendee.hostKeyFingerprint || !attendee.offeredHostKeyAlgorithm) {
      return refusal('hostkey.nothing_to_trust');
    }
    if (attendee.hostKeyRequest === 'pending') return { ok: true };
    const pin = await this.prisma.hostKeyPin.findFirst({
      where: { attendeeId, port: attendee.port, fingerprint: attendee.hostKeyFingerprint },
      orderBy: { pinnedAt: 'desc' },
    });
    if (!pin) return refusal('hostkey.no_pin');
    await this.prisma.$transaction([
      this.prisma.hostKeyRequest.create({
        data: {
          attendeeId,
          address: pin.address,
          port: pin.port,
          pinnedFingerprint: pin.fingerprint,
          offeredFingerprint: attendee.offeredHostKeyFingerprint,
          offeredAlgorithm: attendee.offeredHostKeyAlgorithm,
        },
      }),
      this.prisma.attendee.update({ where: { id: attendeeId }, data: { hostKeyRequest: 'pending' } }),
    ]);
    this.announce(attendeeId);
    return { ok: true };
  }

  async trust(requestId: number): Promise<Ack> {
    const request = await this.openRequest(requestId);
    if (!request) return refusal('hostkey.already_decided');
    const attendee = await this.prisma.attendee.findUnique({ where: { id: request.attendeeId } });
    if (attendee?.offeredHostKeyFingerprint !== request.offeredFingerprint) {
      return refusal('hostkey.key_changed_again');
    }
    const pinnedAt = new Date();
    const { attendeeId, address, port, offeredFingerprint: fingerprint, offeredAlgorithm: algorithm } = request;
    await this.prisma.$transaction([
      this.prisma.hostKeyPin.upsert({
        where: { attendeeId_address_port: { attendeeId, address, port } },
        create: { attendeeId, address, port, fingerprint, algorithm, pinnedAt },
        update: { fingerprint, algorithm, pinnedAt },
      }),
      this.prisma.attendee.update({
        where: { id: attendeeId },
        data: {
          hostKeyFingerprint: fingerprint,
          hostKeyAlgorithm: algorithm,
          hostKeyPinnedAt: pinnedAt,
          offeredHostKeyFingerprint: null,
          offeredHostKeyAlgorithm: null,
          hostKeyRequest: null,
        },
      }),
      this.prisma.hostKeyRequest.update({ where: { id: requestId }, data: { decidedAt: pinnedAt, decision: 'trusted' } }),
    ]);
    // Watched again with the new pin: Navigator connects to the rebuilt VM.
    this.events.emit('attendee.changed', { attendeeId });
    this.events.emit('help.changed', { attendeeId });
    return { ok: true };
  }

  async reject(requestId: number): Promise<Ack> {
    const request = await this.openRequest(requestId);
    if (!request) return refusal('hostkey.already_decided');
    await this.prisma.$transaction([
      this.prisma.hostKeyRequest.update({ where: { id: requestId }, data: { decidedAt: new Date(), decision: 'rejected' } }),
      this.prisma.attendee.update({ where: { id: request.attendeeId }, data: { hostKeyRequest: 'rejected' } }),
    ]);
    this.announce(request.attendeeId);
    return { ok: true };
  }

  /** Open requests of this run, oldest first: part of the navigator's help queue. */
  async open(): Promise<HostKeyRequestView[]> {
    const open = await this.prisma.hostKeyRequest.findMany({
      where: { decidedAt: null, attendee: { runId: this.workshops.workshop.runId } },
      orderBy: { requestedAt: 'asc' },
      include: { attendee: { select: { displayName: true } } },
    });
    return open.map((r) => ({
      id: r.id,
      attendeeId: r.attendeeId,
      displayName: r.attendee.displayName,
      pinnedFingerprint: r.pinnedFingerprint,
      offeredFingerprint: r.offeredFingerprint,
      requestedAt: r.requestedAt.toISOString(),
    }));
  }

  private openRequest(requestId: number) {
    return this.prisma.hostKeyRequest.findFirst({ where: { id: requestId, decidedAt: null, attendee: { runId: this.workshops.workshop.runId } } });
  }

  private announce(attendeeId: string): void {
    this.events.emit('attendee.host-key-changed', { attendeeId });
    this.events.emit('help.changed', { attendeeId });
  }
}
