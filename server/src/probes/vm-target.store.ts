import { Injectable } from '@nestjs/common';
import type { Attendee } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';

export type VmRecord = Pick<Attendee, 'id' | 'host' | 'port' | 'sshUser' | 'hostKeyFingerprint' | 'sshPublicKey'>;

const VM_FIELDS = { id: true, host: true, port: true, sshUser: true, hostKeyFingerprint: true, sshPublicKey: true } as const;

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

  /** Pins a host key unless one is pinned already; true when this call pinned it. */
  async pinHostKey(attendeeId: string, fingerprint: string, algorithm: string): Promise<boolean> {
    const updated = await this.prisma.attendee.updateMany({
      where: { id: attendeeId, hostKeyFingerprint: null },
      data: { hostKeyFingerprint: fingerprint, hostKeyAlgorithm: algorithm, hostKeyPinnedAt: new Date() },
    });
    return updated.count > 0;
  }
}
