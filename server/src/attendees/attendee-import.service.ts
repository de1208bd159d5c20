import { randomUUID } from 'node:crypto';
import { BadRequestException, ConflictException, Injectable } from '@nestjs/common';
import QRCode from 'qrcode';
import { hashToken, newToken } from '../auth/token';
import { DomainEventBus } from '../common/domain-events';
import { coded } from '../contract/i18n/coded';
import { englishText } from '../contract/i18n/english';
import type { ImportedAttendeeView, ImportProblem, ImportRejectedView, ImportResultView } from '../contract/imports';
import { MetricsService } from '../metrics/metrics.service';
import { PrismaService } from '../prisma/prisma.service';
import { AddressPolicy } from '../ssh/address.policy';
import { AttendeeKeyStore } from '../ssh/attendee-keys';
import { Semaphore } from '../ssh/semaphore';
import { WorkshopsService } from '../workshops/workshops.service';
import { parseAttendeeCsv, type AttendeeRow } from './attendee-csv';

/** The same cap as registration: a workshop holds at most this many attendees. */
const MAX_ATTENDEES = 2000;

/**
 * Pre-provisioned VMs from a CSV: every row is checked (fields, then the address policy) before
 * anything is written, then all rows become attendees in one transaction, or none do.
 */
@Injectable()
export class AttendeeImportService {
  constructor(
    private readonly policy: AddressPolicy,
    private readonly keys: AttendeeKeyStore,
    private readonly prisma: PrismaService,
    private readonly workshops: WorkshopsService,
    private readonly events: DomainEventBus,
    private readonly metrics: MetricsService,
  ) {}

  async importCsv(csv: string, baseUrl: string): Promise<ImportResultView> {
    const parsed = parseAttendeeCsv(csv);
    if (!parsed.ok) throw rejected(parsed.problems);
    const refusals = await this.refusedAddresses(parsed.rows);
    if (refusals.length > 0) throw rejected(refusals);

    const runId = this.workshops.workshop.runId;
    const tokens = parsed.rows.map(() => newToken());
    const ids = parsed.rows.map(() => randomUUID());
    const generating = new Semaphore(4);
    const publicKeys = await Promise.all(ids.map((id) => generating.run(() => this.keys.issue(id))));
    const created = await this.prisma
      .$transaction(async (tx) => {
        const existing = await tx.attendee.count({ where: { runId } });
        if (existing + parsed.rows.length > MAX_ATTENDEES) {
          throw new ConflictException(`this workshop has ${existing} attendees; ${parsed.rows.length} more would pass the limit of ${MAX_ATTENDEES}`);
        }
        const attendees = [];
        for (const [index, row] of parsed.rows.entries()) {
          attendees.push(
            await tx.attendee.create({
              data: {
                id: ids[index],
                sshPublicKey: publicKeys[index],
                runId,
                displayName: row.displayName,
                host: row.host,
                port: row.port,
                sshUser: row.sshUser,
                email: row.email,
                tokenHash: hashToken(tokens[index]),
              },
            }),
          );
        }
        return attendees;
      })
      .catch(async (error: unknown) => {
        await Promise.all(ids.map((id) => this.keys.remove(id)));
        throw error;
      });
    this.metrics.registrations.inc(created.length);
    for (const attendee of created) this.events.emit('attendee.registered', { attendeeId: attendee.id });

    const imported: ImportedAttendeeView[] = await Promise.all(
      created.map(async (attendee, index) => {
        const personalUrl = `${baseUrl}/a/${tokens[index]}`;
        return {
          id: attendee.id,
          line: parsed.rows[index].line,
          displayName: attendee.displayName,
          email: attendee.email,
          host: attendee.host,
          port: attendee.port,
          sshUser: attendee.sshUser,
          personalUrl,
          qrSvg: await QRCode.toString(personalUrl, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }),
        };
      }),
    );
    return { imported };
  }

  /** The policy for every row, as at registration: an address it refuses is reported at its cell. */
  private async refusedAddresses(rows: AttendeeRow[]): Promise<ImportProblem[]> {
    const lookups = new Semaphore(16);
    const verdicts = await Promise.all(rows.map((row) => lookups.run(() => this.policy.check(row.host))));
    const problems: ImportProblem[] = [];
    verdicts.forEach((verdict, index) => {
      if (!verdict.ok && verdict.reason === 'refused')
        problems.push({ line: rows[index].line, column: rows[index].hostColumn, field: 'host', message: verdict.message, coded: verdict.coded });
    });
    return problems;
  }
}

function rejected(problems: ImportProblem[]): BadRequestException {
  const reason = coded('import.nothing_imported', { count: problems.length });
  const body: ImportRejectedView = { message: englishText(reason), error: reason, problems };
  return new BadRequestException(body);
}
