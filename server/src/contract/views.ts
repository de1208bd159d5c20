import type { Coded } from './i18n/coded';
import type { Locale, LocalizedText } from './i18n/locales';
import type { CellState, CheckStatus, ConnectedReason, ConnectionState, StepState, UnreachableReason } from './checks';

/**
 * What each page is sent. Views are shaped per role on the server: a projector's attendee view has
 * no host, output or secret; an attendee only ever receives their own.
 */

export interface ConnectionView {
  state: ConnectionState;
  /** Why it is unreachable; or, connected, what limits it. */
  reason: UnreachableReason | ConnectedReason | null;
  /** For people, as a code: what happened and what to do (for commands_blocked, what the account printed). */
  message: Coded | null;
  /** The first moment of this state and reason: retries do not move it. */
  since: string;
  /** Attempts that failed the same way since `since`. */
  retries: number;
}

/** Why the navigator should look at this attendee; the client counts the minutes from `since`. */
export type StuckView =
  { kind: 'overdue'; since: string; plannedMinutes: number } | { kind: 'room_moved_on'; since: string; share: number } | { kind: 'unreachable'; since: string };

export interface ProgressView {
  currentStepId: string | null;
  /** When the attendee arrived at the current step; stuck detection measures from here. */
  currentStepSince: string | null;
  doneCount: number;
  steps: Record<string, StepState>;
  /** What the board's cells show: the step states, with steps not done shown unreachable while the VM is. */
  cells: Record<string, CellState>;
  stuck: StuckView | null;
}

export interface CheckView {
  status: CheckStatus;
  /**
   * Why it did not pass, as a code. A string only for a status read back from the database after a
   * restart (English, as stored), until the check runs again.
   */
  reason: Coded | string | null;
  output: string | null;
  since: string;
}

/** What the projector may show about an attendee. */
export interface PublicAttendeeView {
  id: string;
  displayName: string;
  registeredAt: string;
  connection: ConnectionView;
  progress: ProgressView;
}

/** What the navigator sees in addition. */
export interface NavigatorAttendeeView extends PublicAttendeeView {
  host: string;
  port: number;
  /** direct: Navigator dials host:port; tunnel: the VM opens `ssh -R` to Navigator (host:port is its sshd as the VM sees it). */
  vmAccess: VmAccess;
  sshUser: string;
  hostKeyFingerprint: string | null;
  /** A key the VM presented instead of the pinned one (a rebuilt VM, or someone in between): never trusted by itself. */
  offeredHostKeyFingerprint: string | null;
  /** The attendee's "my VM was rebuilt" request about that key. */
  hostKeyRequest: 'pending' | 'rejected' | null;
  /** Where they sit, when the workshop asks. */
  seat: string | null;
  lastSeenAt: string | null;
  checks: Record<string, CheckView>;
}

/** What an attendee sees about themselves. */
/** A personal link, shown once to the navigator (only its hash is stored). */
export interface PersonalLinkView {
  personalUrl: string;
}

export interface SelfView extends NavigatorAttendeeView {
  /** This attendee's own line: a key no other attendee's VM accepts. */
  authorizedKeysLine: string;
  installCommand: string;
  /** The attendee's own values: a secret one only as whether it was given. */
  values: Record<string, string | { given: boolean }>;
  /** Format version 2: the workshop vars their VM's checks found (`capture`); /api/me/workshop's hints use them. */
  foundVars: Record<string, string>;
  /** The recommended path: a one-liner creating a dedicated unprivileged login with this line. */
  dedicatedLoginCommand: string;
  dedicatedLogin: string;
  /** The titles of the workshop's checks that run with `sudo -n` (root-only state): the dedicated login has no sudo. */
  rootChecks: LocalizedText[];
  /** The one-liner that lets the dedicated login run them; empty when the workshop has none. */
  rootChecksCommand: string;
  /** Navigator issued this attendee a new key after they registered: the old line no longer works. */
  keyReissued: boolean;
}

/** Texts from the workshop file are `LocalizedText`: pages show them in the reader's language, else in `language`. */
export interface WorkshopSummaryView {
  id: string;
  title: LocalizedText;
  /** The workshop's default language: what a text missing the reader's language falls back to. */
  language: Locale;
  joinCode: string;
  stepCount: number;
  stuckFactor: number;
  steps: {
    id: string;
    title: LocalizedText;
    minutes: number;
    hint: LocalizedText;
    /** Format version 2: shown, never the current step, not counted in pace. */
    optional: boolean;
    checks: { id: string; title: LocalizedText; failure: LocalizedText | null }[];
  }[];
}

export interface RosterSnapshot<A extends PublicAttendeeView = PublicAttendeeView> {
  workshop: WorkshopSummaryView;
  attendees: A[];
  serverTime: string;
}

/** Where the room is against the plan, judged on the workshop clock. */
export interface PaceView {
  /** The step the plan says the room should be on (index into steps; steps.length when the plan is over). During a talk, the step after it. */
  plannedStepIndex: number;
  /** Format version 2: the title of the talk the agenda is in now, else null. */
  plannedTalk: LocalizedText | null;
  /** Steps done by the median attendee. */
  medianDone: number;
  /** Positive: the median attendee is ahead of the plan by this many minutes; negative: behind. */
  minutesAhead: number;
}

export interface HandView {
  raisedAt: string;
  acknowledgedAt: string | null;
  /** Who said *I'm on it*: a helper's name, or "Navigator". */
  acknowledgedBy: string | null;
  message: string;
}

export interface HelpRequestView extends HandView {
  id: number;
  attendeeId: string;
  displayName: string;
  /** Where they sit (navigator only; the projector gets null). */
  seat: string | null;
}

/** A message from the navigator to the room: a banner on every attendee page and the projector. */
export interface BroadcastMessageView {
  id: number;
  text: string;
  sentAt: string;
}

export interface BroadcastView {
  /** The banner now, or null once cleared. */
  current: BroadcastMessageView | null;
  /** Every message this run, newest first. */
  history: BroadcastMessageView[];
}

/** "My VM was rebuilt": the navigator compares the two fingerprints, then trusts the new key or rejects it. */
export interface HostKeyRequestView {
  id: number;
  attendeeId: string;
  displayName: string;
  pinnedFingerprint: string;
  offeredFingerprint: string;
  requestedAt: string;
}

export interface HelpQueueView {
  requests: HelpRequestView[];
  /** Navigator only (helpers and the projector get none). */
  hostKeys: HostKeyRequestView[];
}

/** The workshop clock: running since startedAt, minus paused time. Pace is measured against it. */
export interface ClockView {
  startedAt: string | null;
  pausedAt: string | null;
  pausedTotalMs: number;
  serverTime: string;
}

/** One stored transition: a check's status (checkId set) or the VM connection's (checkId null). */
export interface TimelineEntryView {
  at: string;
  stepId: string | null;
  checkId: string | null;
  from: string | null;
  to: string;
  reason: string | null;
}

export type TimerKind = 'discussion' | 'presenter';

export interface TimerView {
  kind: TimerKind;
  durationMs: number;
  /** Remaining at serverTime; clients count down from there, corrected for their clock's offset. */
  remainingMs: number;
  running: boolean;
  serverTime: string;
}

export interface NoteView {
  id: string;
  groupId: string;
  authorAttendeeId: string | null;
  authorName: string;
  text: string;
  version: number;
  updatedAt: string;
}

export interface GroupView {
  id: string;
  name: string;
  position: number;
  presented: boolean;
  skipped: boolean;
  members: { id: string; displayName: string }[];
  /** Null when this viewer may not read them (another group's, or the projector). */
  notes: NoteView[] | null;
}

export interface DiscussionView {
  prompt: LocalizedText;
  /** The workshop's default language, for `prompt`. */
  language: Locale;
  groups: GroupView[];
  ungrouped: { id: string; displayName: string }[];
  myGroupId: string | null;
  presentingGroupId: string | null;
  upNextGroupId: string | null;
  timers: Record<TimerKind, TimerView>;
}

/** HTTP: what the join page reads. */
/** A value the workshop asks of each attendee (format version 2 `attendeeValues`). */
export interface AttendeeValueField {
  name: string;
  label: LocalizedText;
  type: 'text' | 'number';
  /** A password input; never shown back, to anyone. */
  secret: boolean;
  required: boolean;
}

export type VmAccess = 'direct' | 'tunnel';

/** HTTP: the attendee's commands for a VM behind NAT (built server-side; nothing typed reaches a shell). */
export interface TunnelView {
  /** Opens the tunnel now with plain OpenSSH (`ssh -N -R`), Navigator's host key pinned. */
  openCommand: string;
  /** Installs it as a systemd unit that reconnects (Restart=always). */
  installCommand: string;
  knownHostsLine: string;
}

export type JoinInfo = WorkshopSummaryView & {
  defaultSshUser: string;
  /** Navigator's tunnel endpoint is on: registration may choose "my VM is behind NAT". */
  tunnelsEnabled: boolean;
  attendeeValues: AttendeeValueField[];
  /** The workshop asks where each attendee sits (`seat:`), with this label. */
  seat: { label: LocalizedText; required: boolean } | null;
};

/** HTTP: a helper as the navigator's list shows them; never their link. */
export interface HelperView {
  id: string;
  name: string;
  createdAt: string;
  /** When the navigator revoked their link; null while it works. */
  revokedAt: string | null;
}

/** HTTP: a new helper and their link, shown this once (only its hash is stored). */
export interface NewHelperView {
  helper: HelperView;
  link: string;
  /** The link as a QR code (SVG made by the server's encoder from the link alone). */
  qrSvg: string;
}

/** Who a board is signed in as: the navigator has every control, a helper only the help queue's. */
export type BoardViewerView = { role: 'navigator' } | { role: 'helper'; name: string };

/** HTTP: the navigator's links to share. */
export interface WorkshopLinks {
  joinUrl: string;
  joinCode: string;
  projectorUrl: string;
}

/** HTTP GET /kit: what the kit's setup can download from this Navigator (public: VMs ask with curl). */
export interface KitIndexView {
  workshop: string;
  /** The archive's URL (`${kit.archive}`) and the directory it unpacks to (`${kit.dir}`). */
  archive: string;
  directory: string;
  /** Where the artefacts are served (KIT_MIRROR in the archive's source file). */
  mirror: string;
  artefacts: KitArtefactView[];
}

export interface KitArtefactView {
  name: string;
  /** null while the lock file does not pin it yet. */
  sha256: string | null;
  /** There, with the pinned sha256, for /kit/artefacts/NAME to serve. */
  fetched: boolean;
  /** Bytes, when fetched. */
  size: number | null;
  /** Where it comes from when not from this Navigator, in the lock file's order. */
  sources: string[];
}
