/**
 * Every socket.io event between server and web, with its payload: the one map both sides import.
 * Views are shaped per role on the server; a projector view type has no host, output or secret.
 */

export type ConnectionStateView = 'waiting' | 'connecting' | 'connected' | 'unreachable';

export type UnreachableReasonView = 'refused' | 'timeout' | 'dns' | 'auth_rejected' | 'host_key_changed' | 'network' | 'address_refused' | 'error';

export interface ConnectionView {
  state: ConnectionStateView;
  reason: UnreachableReasonView | null;
  /** Plain words for people: what happened and what to do. */
  message: string | null;
  since: string;
}

export type StepStateView = 'done' | 'current' | 'failing' | 'not_yet';

export interface ProgressView {
  currentStepId: string | null;
  /** When the attendee arrived at the current step; stuck detection measures from here. */
  currentStepSince: string | null;
  doneCount: number;
  steps: Record<string, StepStateView>;
}

export interface CheckView {
  status: 'pass' | 'fail' | 'error';
  reason: string | null;
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
  sshUser: string;
  hostKeyFingerprint: string | null;
  lastSeenAt: string | null;
  checks: Record<string, CheckView>;
}

/** What an attendee sees about themselves. */
export interface SelfView extends NavigatorAttendeeView {
  authorizedKeysLine: string;
  installCommand: string;
}

export interface WorkshopSummaryView {
  id: string;
  title: string;
  joinCode: string;
  stepCount: number;
  stuckFactor: number;
  steps: { id: string; title: string; minutes: number; hint: string; checks: { id: string; title: string; failure: string | null }[] }[];
}

export interface RosterSnapshot<A extends PublicAttendeeView = PublicAttendeeView> {
  workshop: WorkshopSummaryView;
  attendees: A[];
  serverTime: string;
}

export type BoardView = 'board' | 'projector' | 'attendee';

export interface SocketAuth {
  view: BoardView;
}

export interface HandView {
  raisedAt: string;
  acknowledgedAt: string | null;
  message: string;
}

export interface HelpRequestView extends HandView {
  id: number;
  attendeeId: string;
  displayName: string;
}

export interface HelpQueueView {
  requests: HelpRequestView[];
}

/** The workshop clock: running since startedAt, minus paused time. Pace is measured against it. */
export interface ClockView {
  startedAt: string | null;
  pausedAt: string | null;
  pausedTotalMs: number;
  serverTime: string;
}

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
  prompt: string;
  groups: GroupView[];
  ungrouped: { id: string; displayName: string }[];
  myGroupId: string | null;
  presentingGroupId: string | null;
  upNextGroupId: string | null;
  timers: Record<TimerKind, TimerView>;
}

export type NoteAck = { ok: true; note: NoteView } | { ok: false; error: string; conflict?: { current: NoteView | null; yours: string } };

export interface ServerToClientEvents {
  'discussion:snapshot': (view: DiscussionView) => void;
  'clock:snapshot': (clock: ClockView) => void;
  /** Navigator: the open requests, oldest first. Projector: the same list without messages. */
  'help:snapshot': (queue: HelpQueueView) => void;
  /** Attendee: my raised hand, or null. */
  'hand:snapshot': (hand: HandView | null) => void;
  /** Full state, sent on every (re)connect before any delta. */
  'roster:snapshot': (snapshot: RosterSnapshot<NavigatorAttendeeView> | RosterSnapshot<PublicAttendeeView>) => void;
  'roster:attendee': (attendee: NavigatorAttendeeView | PublicAttendeeView) => void;
  'self:snapshot': (self: SelfView) => void;
}

export interface Ack {
  ok: boolean;
  error?: string;
}

export interface ClientToServerEvents {
  /** Navigator: start (or resume), pause or reset the workshop clock. */
  'clock:control': (payload: { action: 'start' | 'pause' | 'reset' }, ack: (result: Ack) => void) => void;
  'help:raise': (payload: { message?: string }, ack: (result: Ack) => void) => void;
  'help:lower': (payload: Record<string, never>, ack: (result: Ack) => void) => void;
  'help:acknowledge': (payload: { id: number }, ack: (result: Ack) => void) => void;
  'help:resolve': (payload: { id: number }, ack: (result: Ack) => void) => void;
  /** Navigator: form groups from every registered attendee (replaces the current groups). */
  'discussion:form': (payload: { by: 'count' | 'size'; n: number; strategy: 'random' | 'mixed' }, ack: (result: Ack) => void) => void;
  'discussion:move': (payload: { attendeeId: string; groupId: string | null }, ack: (result: Ack) => void) => void;
  'discussion:rename': (payload: { groupId: string; name: string }, ack: (result: Ack) => void) => void;
  'discussion:timer': (payload: { kind: TimerKind; action: 'start' | 'pause' | 'extend' | 'reset'; minutes?: number }, ack: (result: Ack) => void) => void;
  'discussion:order': (payload: { action: 'shuffle' } | { action: 'move'; groupId: string; position: number }, ack: (result: Ack) => void) => void;
  'discussion:present': (payload: { action: 'next' | 'skip' | 'stop' | 'restart' }, ack: (result: Ack) => void) => void;
  /** Navigator, or an attendee in their own group. Acknowledged only once committed. */
  'note:create': (payload: { groupId: string; text: string }, ack: (result: NoteAck) => void) => void;
  'note:update': (payload: { noteId: string; text: string; version: number }, ack: (result: NoteAck) => void) => void;
  'note:delete': (payload: { noteId: string }, ack: (result: Ack) => void) => void;
  /** Navigator: connect to this VM again now, skipping any backoff. */
  'vm:reconnect': (payload: { attendeeId: string }, ack: (result: Ack) => void) => void;
  /** Navigator: probe this VM now. */
  'vm:probe': (payload: { attendeeId: string }, ack: (result: Ack) => void) => void;
  /** Attendee: check me now (rate-limited). */
  'self:probe': (payload: Record<string, never>, ack: (result: Ack) => void) => void;
  /** Attendee: try my VM again now (rate-limited). */
  'self:reconnect': (payload: Record<string, never>, ack: (result: Ack) => void) => void;
}

/** HTTP payloads the web app reads (kept here so web imports no server code). */
export type JoinInfo = WorkshopSummaryView & { defaultSshUser: string };

export interface WorkshopLinks {
  joinUrl: string;
  joinCode: string;
  projectorUrl: string;
}
