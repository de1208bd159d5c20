import { Injectable } from '@nestjs/common';
import type { Attendee } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';

export type VmRecord = Pick<Attendee, 'id' | 'host' | 'port' | 'sshUser' | 'vmAccess' | 'hostKeyFingerprint' | 'offeredHostKeyFingerprint' | 'sshPublicKey'>;

const VM_FIELDS = {
  id: true,
  host: true,
  port: true,
  sshUser: true,
  vmAccess: true,
  hostKeyFingerprint: true,
  offeredHostKeyFingerprint: true,
  sshPublicKey: true,
} as const;

/** The database side of watching VMs: where each attendee's VM is, and its pinned host key. */
@Injectable()
export class VmTargetStore {
  constructor(private readonly prisma: PrismaService) {}

  /** Every VM of a run. */
  all(runId: string): Promise<VmRecord[]> {
    return this.prisma.attendee.findMany({ where: { runId }, select: VM_FIELDS });
  }

  find(attendeeId: string): Promise<VmRecord | null> {
    return this.prisma.attendee.findUnique({ where: { id: attendeeId }, select: VM_FIELDS });
  }

  /** A key issued after registration: the attendee's page asks them to install the new line. */
  async saveReissuedKey(attendeeId: string, publicKey: string): Promise<void> {
    await this.prisma.attendee.update({ where: { id: attendeeId }, data: { sshPublicKey: publicKey, sshKeyReissued: true } });
  }

  /**
   * The pin for this address (the resolved address dialled, or the host as typed for pins from before
   * addresses were recorded), and the attendee's current pin set to match: a changed address never
   * clears a pin, it only shows the one that address has.
   */
  async pinFor(vm: VmRecord, address: string, port: number): Promise<string | null> {
    const pins = await this.prisma.hostKeyPin.findMany({
      where: { attendeeId: vm.id, port, address: { in: [address, vm.host.toLowerCase()] } },
      orderBy: { pinnedAt: 'desc' },
      take: 1,
    });
    const pin = pins[0] ?? null;
    if ((pin?.fingerprint ?? null) !== vm.hostKeyFingerprint) {
      await this.prisma.attendee.update({
        where: { id: vm.id },
        data: { hostKeyFingerprint: pin?.fingerprint ?? null, hostKeyAlgorithm: pin?.algorithm ?? null, hostKeyPinnedAt: pin?.pinnedAt ?? null },
      });
    }
    return pin?.fingerprint ?? null;
  }

  /**
   * Pins a host key for an address unless one is pinned there already; true when this call pinned it. The
   * pin's primary key decides who was first (no interactive transaction: it would hold the one SQLite
   * connection while every other query of the room waits).
   */
  async pinHostKey(attendeeId: string, address: string, port: number, fingerprint: string, algorithm: string): Promise<boolean> {
    const pinnedAt = new Date();
    try {
      await this.prisma.hostKeyPin.create({ data: { attendeeId, address, port, fingerprint, algorithm, pinnedAt } });
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') return false;
      throw error;
    }
    await this.prisma.attendee.update({
      where: { id: attendeeId },
      data: { hostKeyFingerprint: fingerprint, hostKeyAlgorithm: algorithm, hostKeyPinnedAt: pinnedAt },
    });
    return true;
  }

  /** The VM presents its pinned key again: nothing to compare any more. True when there was an offer. */
  async clearOfferedHostKey(attendeeId: string): Promise<boolean> {
    const updated = await this.prisma.attendee.updateMany({
      where: { id: attendeeId, NOT: { offeredHostKeyFingerprint: null } },
      data: { offeredHostKeyFingerprint: null, offeredHostKeyAlgorithm: null, hostKeyRequest: null },
    });
    return updated.count > 0;
  }

  /** The key the VM presents instead of the pinned one, kept for the attendee and navigator to compare; true when it is new. */
  async offerHostKey(attendeeId: string, fingerprint: string, algorithm: string): Promise<boolean> {
    const updated = await this.prisma.attendee.updateMany({
      where: { id: attendeeId, NOT: { offeredHostKeyFingerprint: fingerprint } },
      data: { offeredHostKeyFingerprint: fingerprint, offeredHostKeyAlgorithm: algorithm, hostKeyRequest: null },
    });
    if (updated.count > 0) return true;
    // NOT excludes NULL in SQL: a first offer is written here.
    const first = await this.prisma.attendee.updateMany({
      where: { id: attendeeId, offeredHostKeyFingerprint: null },
      data: { offeredHostKeyFingerprint: fingerprint, offeredHostKeyAlgorithm: algorithm },
    });
    return first.count > 0;
  }
}
