import { Injectable, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { LogOutput } from '../logging/log-output';
import { PrismaService } from '../prisma/prisma.service';
import { parseValuesJson } from './attendee-values';
import { WorkshopsService } from './workshops.service';

/**
 * Each attendee's values (the workshop's `attendeeValues`): stored with the attendee, kept in memory for
 * the probes, and every secret value handed to the log output, which never writes it.
 */
@Injectable()
export class AttendeeValuesService implements OnApplicationBootstrap {
  private readonly cache = new Map<string, Record<string, string>>();

  constructor(
    private readonly prisma: PrismaService,
    private readonly workshops: WorkshopsService,
    @Optional() private readonly logOutput?: LogOutput,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const rows = await this.prisma.attendee.findMany({ where: { runId: this.workshops.workshop.runId }, select: { id: true, valuesJson: true } });
    for (const row of rows) this.remember(row.id, parseValuesJson(row.valuesJson));
  }

  async valuesOf(attendeeId: string): Promise<Record<string, string>> {
    const cached = this.cache.get(attendeeId);
    if (cached) return cached;
    const row = await this.prisma.attendee.findUnique({ where: { id: attendeeId }, select: { valuesJson: true } });
    return this.remember(attendeeId, parseValuesJson(row?.valuesJson ?? '{}'));
  }

  async set(attendeeId: string, values: Record<string, string>): Promise<void> {
    await this.prisma.attendee.update({ where: { id: attendeeId }, data: { valuesJson: JSON.stringify(values) } });
    this.remember(attendeeId, values);
  }

  /** Values stored with a new attendee by its creator: remembered and protected. */
  remember(attendeeId: string, values: Record<string, string>): Record<string, string> {
    this.cache.set(attendeeId, values);
    const fields = this.workshops.workshop.definition.attendeeValues ?? {};
    this.logOutput?.protect(...Object.entries(values).flatMap(([name, value]) => (fields[name]?.secret ? [value] : [])));
    return values;
  }
}
