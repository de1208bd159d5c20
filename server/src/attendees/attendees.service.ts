import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { fieldsRefused, refused } from '../common/coded-http';
import { RateLimiter } from '../common/rate-limiter';
import { newToken, hashToken } from '../auth/token';
import { DomainEventBus } from '../common/domain-events';
import { nameSkeleton } from '../common/human-text';
import type {
  CheckView,
  JoinInfo,
  NavigatorAttendeeView,
  PersonalLinkView,
  PublicAttendeeView,
  RosterSnapshot,
  SelfView,
  TimelineEntryView,
  WorkshopSummaryView,
} from '../contract/views';
import { coded } from '../contract/i18n/coded';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import type { Attendee } from '../generated/prisma/client';
import { MetricsService } from '../metrics/metrics.service';
import { PrismaService } from '../prisma/prisma.service';
import { kitLinks } from '../kit/kit-links';
import { CapturedVarsStore } from '../probes/captured-vars.store';
import { ProgressService } from '../progress/progress.service';
import { AddressPolicy } from '../ssh/address.policy';
import { AttendeeKeyStore } from '../ssh/attendee-keys';
import { attendeeValueFields, mergeAttendeeValues, ownValuesView, parseValuesJson } from '../workshops/attendee-values';
import { AttendeeValuesService } from '../workshops/attendee-values.service';
import { forwardedPorts, substituteVars, workshopLanguage, workshopText } from '../workshops/workshop.schema';
import { WorkshopsService } from '../workshops/workshops.service';
import { authorizedKeysLine, DEDICATED_LOGIN, dedicatedLoginCommand, installCommand, rootChecksRuleCommand } from './authorized-key';
import type { Registration } from './registration.dto';

const MAX_ATTENDEES = 2000;

export interface RegistrationResult {
  attendee: SelfView;
  token: string;
  personalPath: string;
}

@Injectable()
export class AttendeesService {
  /** A handful of address changes per attendee per minute, and a room's worth per source address. */
  private readonly addressChangesByAttendee = new RateLimiter(5, 5 / 60);
  private readonly addressChangesBySource = new RateLimiter(30, 0.5);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly policy: AddressPolicy,
    private readonly prisma: PrismaService,
    private readonly workshops: WorkshopsService,
    private readonly progress: ProgressService,
    private readonly keys: AttendeeKeyStore,
    private readonly events: DomainEventBus,
    private readonly metrics: MetricsService,
    private readonly attendeeValues: AttendeeValuesService,
    private readonly captured: CapturedVarsStore,
  ) {
    metrics.gauge('navigator_attendees_registered', 'Attendees registered for the workshop', [], async (set) =>
      set({}, await this.prisma.attendee.count({ where: { runId: this.workshops.workshop.runId } })),
    );
  }

  /**
   * `baseUrl`: where the reader reached Navigator, for the kit's links in hints (`${kit.archive}`); `found`: what an
   * attendee's VM's checks captured, for their own page (everyone else sees the workshop's vars).
   */
  workshopSummary(baseUrl: string, found: Readonly<Record<string, string>> = {}): WorkshopSummaryView {
    const { id, joinCode } = this.workshops.workshop;
    const workshop = this.workshops.workshop.definition;
    const definition = Object.keys(found).length === 0 ? workshop : { ...workshop, vars: { ...workshop.vars, ...found } };
    const kit = kitLinks(definition, baseUrl);
    return {
      id,
      title: definition.title,
      language: workshopLanguage(definition),
      joinCode,
      stepCount: definition.steps.length,
      stuckFactor: this.config.stuckFactor,
      steps: definition.steps.map((step) => ({
        id: step.id,
        title: substituteVars(definition, step.title),
        minutes: step.minutes,
        hint: substituteVars(definition, step.hint, kit),
        optional: step.optional === true,
        checks: step.checks.map((check) => ({
          id: check.id,
          title: check.title,
          failure: check.failure === undefined ? null : substituteVars(definition, check.failure, kit),
        })),
      })),
    };
  }

  /** With `attendeeId`, the attendee's own: hints name what their VM's checks found (the PHP version on that VM). */
  joinInfo(baseUrl: string, attendeeId?: string): JoinInfo {
    const { seat } = this.workshops.workshop.definition;
    return {
      ...this.workshopSummary(baseUrl, attendeeId === undefined ? {} : this.captured.valuesOf(attendeeId)),
      defaultSshUser: this.defaultSshUser(),
      tunnelsEnabled: this.config.tunnelPort !== null,
      attendeeValues: attendeeValueFields(this.workshops.workshop.definition),
      seat: seat ? { label: seat.label, required: seat.required } : null,
    };
  }

  defaultSshUser(): string {
    return this.workshops.workshop.definition.ssh.user;
  }

  isJoinCode(code: string): boolean {
    return code.toUpperCase() === this.workshops.workshop.joinCode;
  }

  /** The attendee's own line: their key, narrowed to what the checks need. */
  authorizedKeysLine(attendee: Pick<Attendee, 'sshPublicKey'>): string {
    return attendee.sshPublicKey === null ? '' : authorizedKeysLine(attendee.sshPublicKey, forwardedPorts(this.workshops.workshop.definition));
  }

  async register(registration: Registration): Promise<RegistrationResult> {
    await this.requireReachable(registration);
    const values = this.checkValues({}, registration.values);
    const count = await this.prisma.attendee.count({ where: { runId: this.workshops.workshop.runId } });
    if (count >= MAX_ATTENDEES) throw refused(HttpStatus.CONFLICT, 'limit.attendees', { max: MAX_ATTENDEES });
    const token = newToken();
    const id = randomUUID();
    const sshPublicKey = await this.keys.issue(id);
    const attendee = await this.prisma.attendee
      .create({
        data: {
          id,
          sshPublicKey,
          runId: this.workshops.workshop.runId,
          displayName: await this.uniqueName(registration.displayName),
          host: registration.host,
          port: registration.port,
          vmAccess: registration.vmAccess ?? 'direct',
          sshUser: registration.sshUser,
          seat: this.checkSeat(registration.seat),
          tokenHash: hashToken(token),
          valuesJson: JSON.stringify(values),
        },
      })
      .catch(async (error: unknown) => {
        await this.keys.remove(id);
        throw error;
      });
    this.attendeeValues.remember(attendee.id, values);
    this.metrics.registrations.inc();
    this.events.emit('attendee.registered', { attendeeId: attendee.id });
    return { attendee: this.selfView(attendee), token, personalPath: `/a/${token}` };
  }

  /** An attendee fixes their VM's address: a new machine means a new host key to pin. */
  async updateVm(attendeeId: string, registration: Registration, source: string): Promise<SelfView> {
    const before = await this.find(attendeeId);
    // A form that does not say how Navigator reaches the VM keeps what was registered.
    const vmAccess = registration.vmAccess ?? (before.vmAccess === 'tunnel' ? 'tunnel' : 'direct');
    const sameMachine = before.host === registration.host && before.port === registration.port && before.vmAccess === vmAccess;
    // Each new address is dialled and its answer shown: without a limit the form is a port scanner.
    if (!sameMachine) this.limitAddressChanges(attendeeId, source);
    await this.requireReachable({ ...registration, vmAccess });
    const values = this.checkValues(parseValuesJson(before.valuesJson), registration.values);
    const attendee = await this.prisma.attendee.update({
      where: { id: attendeeId },
      data: {
        displayName: registration.displayName,
        host: registration.host,
        port: registration.port,
        vmAccess,
        sshUser: registration.sshUser,
        seat: this.checkSeat(registration.seat),
        valuesJson: JSON.stringify(values),
        // Pins stay, per address: watching the new address shows the pin it has (if any) and checks it.
        ...(sameMachine ? {} : { offeredHostKeyFingerprint: null, offeredHostKeyAlgorithm: null, hostKeyRequest: null }),
      },
    });
    if (!sameMachine) {
      await this.prisma.hostKeyRequest.updateMany({ where: { attendeeId, decidedAt: null }, data: { decidedAt: new Date(), decision: 'withdrawn' } });
    }
    this.attendeeValues.remember(attendeeId, values);
    this.events.emit('attendee.changed', { attendeeId });
    if (!sameMachine) this.events.emit('help.changed', { attendeeId });
    return this.selfView(attendee);
  }

  /**
   * The navigator removes an attendee (a duplicate, someone who left, a stranger): their VM connection
   * closes, their link and key stop working, their checks and hands go; notes they wrote stay, under
   * their name.
   */
  async remove(attendeeId: string): Promise<void> {
    await this.find(attendeeId);
    await this.prisma.attendee.delete({ where: { id: attendeeId } });
    this.events.emit('attendee.removed', { attendeeId });
    await this.keys.remove(attendeeId);
  }

  /** A new personal link for an attendee (lost, or shared by mistake): the old one stops working at once. */
  async reissueLink(attendeeId: string, baseUrl: string): Promise<PersonalLinkView> {
    await this.find(attendeeId);
    const token = newToken();
    await this.prisma.attendee.update({ where: { id: attendeeId }, data: { tokenHash: hashToken(token) } });
    this.events.emit('attendee.link-reissued', { attendeeId });
    return { personalUrl: `${baseUrl}/a/${token}` };
  }

  /** An attendee of the current run: an archived run's attendees are read-only, so they are not found here. */
  async find(attendeeId: string): Promise<Attendee> {
    const attendee = await this.prisma.attendee.findFirst({ where: { id: attendeeId, runId: this.workshops.workshop.runId } });
    if (!attendee) throw new NotFoundException(`no attendee ${attendeeId} in the current run`);
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

  async navigatorRoster(baseUrl: string): Promise<RosterSnapshot<NavigatorAttendeeView>> {
    const attendees = await this.all();
    return { workshop: this.workshopSummary(baseUrl), attendees: attendees.map((a) => this.navigatorView(a)), serverTime: new Date().toISOString() };
  }

  async projectorRoster(baseUrl: string): Promise<RosterSnapshot<PublicAttendeeView>> {
    const attendees = await this.all();
    return { workshop: this.workshopSummary(baseUrl), attendees: attendees.map((a) => this.publicView(a)), serverTime: new Date().toISOString() };
  }

  /** No message: connection errors can name the host. */
  publicView(attendee: Attendee): PublicAttendeeView {
    return {
      id: attendee.id,
      displayName: attendee.displayName,
      registeredAt: attendee.createdAt.toISOString(),
      connection: { ...this.progress.connectionOf(attendee.id), message: null },
      progress: this.progress.progressOf(attendee.id),
    };
  }

  /** The navigators' view; `passingOutputs` for the attendee's own page, which shows every check's output. */
  navigatorView(attendee: Attendee, { passingOutputs = false }: { passingOutputs?: boolean } = {}): NavigatorAttendeeView {
    return {
      ...this.publicView(attendee),
      connection: this.progress.connectionOf(attendee.id),
      host: attendee.host,
      port: attendee.port,
      vmAccess: attendee.vmAccess === 'tunnel' ? 'tunnel' : 'direct',
      sshUser: attendee.sshUser,
      hostKeyFingerprint: attendee.hostKeyFingerprint,
      offeredHostKeyFingerprint: attendee.offeredHostKeyFingerprint,
      hostKeyRequest: attendee.hostKeyRequest === 'pending' || attendee.hostKeyRequest === 'rejected' ? attendee.hostKeyRequest : null,
      seat: attendee.seat,
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
      [...this.progress.checksOf(attendeeId)].map(([checkId, known]) => [
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

  selfView(attendee: Attendee): SelfView {
    const line = this.authorizedKeysLine(attendee);
    const definition = this.workshops.workshop.definition;
    const rootChecks = definition.steps.flatMap((step) =>
      step.checks.filter((check) => 'ssh' in check && check.ssh.sudo).map((check) => substituteVars(definition, check.title)),
    );
    return {
      ...this.navigatorView(attendee, { passingOutputs: true }),
      authorizedKeysLine: line,
      installCommand: line === '' ? '' : installCommand(line),
      dedicatedLoginCommand: line === '' ? '' : dedicatedLoginCommand(line),
      dedicatedLogin: DEDICATED_LOGIN,
      rootChecks,
      rootChecksCommand: rootChecks.length > 0 ? rootChecksRuleCommand() : '',
      keyReissued: attendee.sshKeyReissued,
      values: ownValuesView(this.workshops.workshop.definition, parseValuesJson(attendee.valuesJson)),
      foundVars: { ...this.captured.valuesOf(attendee.id) },
    };
  }

  private all(): Promise<Attendee[]> {
    return this.prisma.attendee.findMany({ where: { runId: this.workshops.workshop.runId }, orderBy: { createdAt: 'asc' } });
  }

  /** The workshop's attendee values, merged with what was stored; a missing or malformed one is the attendee's to fix, field by field. */
  private checkValues(stored: Record<string, string>, given: Record<string, string> | undefined): Record<string, string> {
    const { values, errors } = mergeAttendeeValues(this.workshops.workshop.definition, stored, given);
    if (Object.keys(errors).length > 0) throw fieldsRefused(Object.fromEntries(Object.entries(errors).map(([name, why]) => [`values.${name}`, why])));
    return values;
  }

  /** The seat when the workshop asks for one (required or not); ignored when it does not. */
  private checkSeat(given: string | undefined): string | null {
    const seat = this.workshops.workshop.definition.seat;
    if (!seat) return null;
    if (!given && seat.required) {
      throw fieldsRefused({ seat: coded('form.seat_required', { label: workshopText(this.workshops.workshop.definition, seat.label).toLowerCase() }) });
    }
    return given || null;
  }

  /** Two people who read the same on the board are told apart: a second "Ada" (or "Аda") becomes "Ada (2)". */
  private async uniqueName(name: string): Promise<string> {
    const others = await this.prisma.attendee.findMany({ where: { runId: this.workshops.workshop.runId }, select: { displayName: true } });
    const taken = new Set(others.map((other) => nameSkeleton(other.displayName)));
    if (!taken.has(nameSkeleton(name))) return name;
    for (let n = 2; ; n++) if (!taken.has(nameSkeleton(`${name} (${n})`))) return `${name} (${n})`;
  }

  private limitAddressChanges(attendeeId: string, source: string): void {
    const mine = this.addressChangesByAttendee.take(attendeeId);
    if (mine > 0) throw refused(HttpStatus.TOO_MANY_REQUESTS, 'limit.address_changes', { seconds: mine });
    const fromSource = this.addressChangesBySource.take(source);
    if (fromSource > 0) throw refused(HttpStatus.TOO_MANY_REQUESTS, 'limit.address_changes_network', { seconds: fromSource });
  }

  /**
   * A VM behind NAT is never dialled (its host is where its own ssh finds sshd), so the address policy does not
   * apply; it needs Navigator's tunnel endpoint to be on. Any other VM's address must pass the policy.
   */
  private async requireReachable(registration: Registration): Promise<void> {
    if (registration.vmAccess !== 'tunnel') return this.requireDialableHost(registration.host);
    if (this.config.tunnelPort === null) throw fieldsRefused({ vmAccess: coded('form.tunnels_off') });
  }

  /** An address the policy refuses is the attendee's to fix: said at once, nothing stored. */
  private async requireDialableHost(host: string): Promise<void> {
    const verdict = await this.policy.check(host);
    if (!verdict.ok && verdict.reason === 'refused') throw fieldsRefused({ host: verdict.coded });
    // Not knowing where a name points is never taken as allowed; a name that does not exist yet is stored and retried.
    if (!verdict.ok && verdict.reason === 'unchecked') {
      throw fieldsRefused({ host: verdict.coded }, HttpStatus.SERVICE_UNAVAILABLE, coded('form.host_unchecked', verdict.coded.values));
    }
  }
}
