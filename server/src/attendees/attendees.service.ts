import { randomUUID } from 'node:crypto';
import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { newToken, hashToken } from '../auth/token';
import type {
  CheckView,
  NavigatorAttendeeView,
  TimelineEntryView,
  ProgressView,
  PublicAttendeeView,
  RosterSnapshot,
  SelfView,
  WorkshopSummaryView,
} from '../board/board.events';
import { DomainEventBus } from '../common/domain-events';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import type { Attendee } from '../generated/prisma/client';
import { MetricsService } from '../metrics/metrics.service';
import { PrismaService } from '../prisma/prisma.service';
import { ProbeService } from '../probes/probe.service';
import { VmConnectionsService } from '../probes/vm-connections.service';
import { stepProgress } from '../progress/step-progress';
import { SshKeyStore } from '../ssh/ssh.keys';
import { forwardedPorts } from '../workshops/workshop.schema';
import { WorkshopsService } from '../workshops/workshops.service';
import { AddressPolicy } from './address.policy';
import { authorizedKeysLine, installCommand } from './authorized-key';
import { parseRegistration, RegistrationError, type Registration } from './registration.dto';

const MAX_ATTENDEES = 2000;

export interface RegistrationResult {
  attendee: SelfView;
  token: string;
  personalPath: string;
}

@Injectable()
export class AttendeesService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly policy: AddressPolicy,
    private readonly prisma: PrismaService,
    private readonly workshops: WorkshopsService,
    private readonly connections: VmConnectionsService,
    private readonly probes: ProbeService,
    private readonly keys: SshKeyStore,
    private readonly events: DomainEventBus,
    private readonly metrics: MetricsService,
  ) {
    metrics.gauge('navigator_attendees_registered', 'Attendees registered for the workshop', [], async (set) =>
      set({}, await this.prisma.attendee.count({ where: { workshopId: this.workshops.workshop.id } })),
    );
  }

  workshopSummary(): WorkshopSummaryView {
    const { id, definition, joinCode } = this.workshops.workshop;
    return {
      id,
      title: definition.title,
      joinCode,
      stepCount: definition.steps.length,
      stuckFactor: this.config.stuckFactor,
      steps: definition.steps.map((step) => ({
        id: step.id,
        title: step.title,
        minutes: step.minutes,
        hint: step.hint,
        checks: step.checks.map((check) => ({ id: check.id, title: check.title, failure: check.failure ?? null })),
      })),
    };
  }

  defaultSshUser(): string {
    return this.workshops.workshop.definition.ssh.user;
  }

  isJoinCode(code: string): boolean {
    return code.toUpperCase() === this.workshops.workshop.joinCode;
  }

  authorizedKeysLine(): string {
    return authorizedKeysLine(this.keys.publicKeyLine, forwardedPorts(this.workshops.workshop.definition));
  }

  async register(body: unknown): Promise<RegistrationResult> {
    const registration = await this.validate(body);
    const count = await this.prisma.attendee.count({ where: { workshopId: this.workshops.workshop.id } });
    if (count >= MAX_ATTENDEES) throw new ConflictException(`this workshop already has ${MAX_ATTENDEES} attendees`);
    const token = newToken();
    const attendee = await this.prisma.attendee.create({
      data: {
        id: randomUUID(),
        workshopId: this.workshops.workshop.id,
        displayName: registration.displayName,
        host: registration.host,
        port: registration.port,
        sshUser: registration.sshUser,
        tokenHash: hashToken(token),
      },
    });
    this.metrics.registrations.inc();
    this.events.emit('attendee.registered', { attendeeId: attendee.id });
    return { attendee: this.selfView(attendee), token, personalPath: `/a/${token}` };
  }

  /** An attendee fixes their VM's address: a new machine means a new host key to pin. */
  async updateVm(attendeeId: string, body: unknown): Promise<SelfView> {
    const registration = await this.validate(body);
    const before = await this.find(attendeeId);
    const sameMachine = before.host === registration.host && before.port === registration.port;
    const attendee = await this.prisma.attendee.update({
      where: { id: attendeeId },
      data: {
        displayName: registration.displayName,
        host: registration.host,
        port: registration.port,
        sshUser: registration.sshUser,
        ...(sameMachine ? {} : { hostKeyFingerprint: null, hostKeyAlgorithm: null, hostKeyPinnedAt: null }),
      },
    });
    this.events.emit('attendee.changed', { attendeeId });
    return this.selfView(attendee);
  }

  async find(attendeeId: string): Promise<Attendee> {
    const attendee = await this.prisma.attendee.findUnique({ where: { id: attendeeId } });
    if (!attendee) throw new NotFoundException(`no attendee ${attendeeId}`);
    return attendee;
  }

  async timeline(attendeeId: string): Promise<TimelineEntryView[]> {
    await this.find(attendeeId);
    const transitions = await this.prisma.transition.findMany({ where: { attendeeId }, orderBy: { id: 'asc' }, take: 2000 });
    return transitions.map((t) => ({ at: t.at.toISOString(), stepId: t.stepId, checkId: t.checkId, from: t.fromStatus, to: t.toStatus, reason: t.reason }));
  }

  async self(attendeeId: string): Promise<SelfView> {
    return this.selfView(await this.find(attendeeId));
  }

  async navigatorRoster(): Promise<RosterSnapshot<NavigatorAttendeeView>> {
    const attendees = await this.all();
    return { workshop: this.workshopSummary(), attendees: attendees.map((a) => this.navigatorView(a)), serverTime: new Date().toISOString() };
  }

  async projectorRoster(): Promise<RosterSnapshot<PublicAttendeeView>> {
    const attendees = await this.all();
    return { workshop: this.workshopSummary(), attendees: attendees.map((a) => this.publicView(a)), serverTime: new Date().toISOString() };
  }

  /** No message: connection errors can name the host. */
  publicView(attendee: Attendee): PublicAttendeeView {
    return {
      id: attendee.id,
      displayName: attendee.displayName,
      registeredAt: attendee.createdAt.toISOString(),
      connection: { ...this.connections.connectionOf(attendee.id), message: null },
      progress: this.progressOf(attendee.id),
    };
  }

  /** The navigators' view; `passingOutputs` for the attendee's own page, which shows every check's output. */
  navigatorView(attendee: Attendee, { passingOutputs = false }: { passingOutputs?: boolean } = {}): NavigatorAttendeeView {
    return {
      ...this.publicView(attendee),
      connection: this.connections.connectionOf(attendee.id),
      host: attendee.host,
      port: attendee.port,
      sshUser: attendee.sshUser,
      hostKeyFingerprint: attendee.hostKeyFingerprint,
      lastSeenAt: attendee.lastSeenAt?.toISOString() ?? null,
      checks: this.checksView(attendee.id, passingOutputs),
    };
  }

  /**
   * Each check's status and why. The navigators' views carry output tails only for checks that do not
   * pass: that is what explains a step, and every update goes to every board (a passing check's tail,
   * an exporter's metrics page among them, made updates for 300 attendees several times larger).
   */
  private checksView(attendeeId: string, passingOutputs: boolean): Record<string, CheckView> {
    return Object.fromEntries(
      [...this.probes.statusesOf(attendeeId)].map(([checkId, known]) => [
        checkId,
        {
          status: known.status,
          reason: known.reason,
          output: known.status === 'pass' && !passingOutputs ? null : known.output,
          since: known.since.toISOString(),
        },
      ]),
    );
  }

  progressOf(attendeeId: string): ProgressView {
    const states = Object.fromEntries([...this.probes.statusesOf(attendeeId)].map(([checkId, known]) => [checkId, known.status]));
    const since = this.probes.currentStepSince(attendeeId);
    return { ...stepProgress(this.workshops.workshop.definition, states), currentStepSince: since?.toISOString() ?? null };
  }

  selfView(attendee: Attendee): SelfView {
    const line = this.authorizedKeysLine();
    return { ...this.navigatorView(attendee, { passingOutputs: true }), authorizedKeysLine: line, installCommand: installCommand(line) };
  }

  private all(): Promise<Attendee[]> {
    return this.prisma.attendee.findMany({ where: { workshopId: this.workshops.workshop.id }, orderBy: { createdAt: 'asc' } });
  }

  private async validate(body: unknown): Promise<Registration> {
    let registration: Registration;
    try {
      registration = parseRegistration(body);
    } catch (error) {
      if (error instanceof RegistrationError) throw new BadRequestException({ message: 'Please fix the highlighted fields.', fields: error.fields });
      throw error;
    }
    const verdict = await this.policy.check(registration.host);
    if (!verdict.ok && verdict.reason === 'refused') {
      throw new BadRequestException({ message: 'Please fix the highlighted fields.', fields: { host: verdict.message } });
    }
    return registration;
  }
}
