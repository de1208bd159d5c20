import { z } from 'zod';
import { LOCALES, type Locale } from './i18n/locales';
import type { Coded } from './i18n/coded';
import type { RoomOverTimeView } from './retrospective';
import type {
  BoardViewerView,
  BroadcastView,
  ClockView,
  DiscussionView,
  HandView,
  HelpQueueView,
  NavigatorAttendeeView,
  NoteView,
  PaceView,
  PublicAttendeeView,
  RosterSnapshot,
  SelfView,
} from './views';

/**
 * Every socket.io event between server and web, with its payload: the one map both sides import.
 * A client's payload is checked against its schema at the edge, once, before any service sees it.
 */

/** The page a socket serves; it decides the roles it may authenticate as and what it is sent. */
export type PageKind = 'board' | 'projector' | 'attendee' | 'discussion';

/** Why a page's link stopped working: an attendee removed or given a new link, a helper's link revoked. */
export type SignedOutReason = 'removed' | 'link-reissued' | 'helper-revoked';

export interface SocketAuth {
  view: PageKind;
  /** A navigator's, helper's or projector's token for scripts; browsers use the session cookie. */
  token?: string;
}

const id = z.string().min(1).max(100);
const none = z.strictObject({});
const noteText = z.string({ message: 'a note is text' });

export const payloadSchemas = {
  'clock:control': z.strictObject({ action: z.enum(['start', 'pause', 'reset']) }),
  'help:raise': z.strictObject({ message: z.string().optional() }),
  'help:lower': none,
  'help:acknowledge': z.strictObject({ id: z.number().int() }),
  'help:resolve': z.strictObject({ id: z.number().int() }),
  'self:host-key-request': none,
  'hostkey:trust': z.strictObject({ id: z.number().int() }),
  'hostkey:reject': z.strictObject({ id: z.number().int() }),
  'discussion:form': z.strictObject({
    by: z.enum(['count', 'size']),
    n: z.number().int('give a whole number of groups or people per group').min(1).max(500),
    strategy: z.enum(['random', 'mixed']),
  }),
  'discussion:move': z.strictObject({ attendeeId: id, groupId: id.nullable() }),
  'discussion:rename': z.strictObject({ groupId: id, name: z.string() }),
  'discussion:timer': z.strictObject({
    kind: z.enum(['discussion', 'presenter']),
    action: z.enum(['start', 'pause', 'extend', 'reset']),
    minutes: z.number().min(-240).max(240).optional(),
  }),
  'discussion:order': z.discriminatedUnion('action', [
    z.strictObject({ action: z.literal('shuffle') }),
    z.strictObject({ action: z.literal('move'), groupId: id, position: z.number().int().min(0) }),
  ]),
  'discussion:present': z.strictObject({ action: z.enum(['next', 'skip', 'stop', 'restart']) }),
  'note:create': z.strictObject({ groupId: id, text: noteText }),
  'note:update': z.strictObject({ noteId: id, text: noteText, version: z.number({ message: 'say which version you edited' }).int() }),
  'note:delete': z.strictObject({ noteId: id }),
  'vm:reconnect': z.strictObject({ attendeeId: id }),
  'vm:probe': z.strictObject({ attendeeId: id }),
  'self:probe': none,
  'self:reconnect': none,
  'broadcast:send': z.strictObject({ text: z.string({ message: 'a message is text' }) }),
  'broadcast:clear': none,
  'room:set-language': z.strictObject({ language: z.enum(LOCALES, { message: `a language Navigator speaks: ${LOCALES.join(', ')}` }) }),
} as const;

export type ClientEvent = keyof typeof payloadSchemas;
export type Payload<E extends ClientEvent> = z.infer<(typeof payloadSchemas)[E]>;

/** A command's answer. Refused: `error` in English (scripts, logs), `coded` for pages to render in their reader's language. */
export interface Ack {
  ok: boolean;
  error?: string;
  coded?: Coded;
}

export type NoteAck = { ok: true; note: NoteView } | { ok: false; error: string; coded?: Coded; conflict?: { current: NoteView | null; yours: string } };

type Command<E extends ClientEvent, A = Ack> = (payload: Payload<E>, ack: (result: A) => void) => void;

export interface ClientToServerEvents {
  /** Navigator: start (or resume), pause or reset the workshop clock. */
  'clock:control': Command<'clock:control'>;
  'help:raise': Command<'help:raise'>;
  'help:lower': Command<'help:lower'>;
  /** Navigator or helper: *I'm on it* (the queue shows who). */
  'help:acknowledge': Command<'help:acknowledge'>;
  /** Navigator or helper: this person is helped. */
  'help:resolve': Command<'help:resolve'>;
  /** Attendee: my VM was rebuilt; ask the navigator to trust the host key it now presents. */
  'self:host-key-request': Command<'self:host-key-request'>;
  /** Navigator: trust the new host key of a rebuilt VM (replaces the pin; Navigator connects again). */
  'hostkey:trust': Command<'hostkey:trust'>;
  /** Navigator: do not trust it; the VM stays refused and the attendee is told. */
  'hostkey:reject': Command<'hostkey:reject'>;
  /** Navigator: form groups from every registered attendee (replaces the current groups). */
  'discussion:form': Command<'discussion:form'>;
  'discussion:move': Command<'discussion:move'>;
  'discussion:rename': Command<'discussion:rename'>;
  'discussion:timer': Command<'discussion:timer'>;
  'discussion:order': Command<'discussion:order'>;
  'discussion:present': Command<'discussion:present'>;
  /** Navigator, or an attendee in their own group. Acknowledged only once committed. */
  'note:create': Command<'note:create', NoteAck>;
  'note:update': Command<'note:update', NoteAck>;
  'note:delete': Command<'note:delete'>;
  /** Navigator: connect to this VM again now, skipping any backoff. */
  'vm:reconnect': Command<'vm:reconnect'>;
  /** Navigator: probe this VM now. */
  'vm:probe': Command<'vm:probe'>;
  /** Attendee: check me now (rate-limited). */
  'self:probe': Command<'self:probe'>;
  /** Attendee: try my VM again now (rate-limited). */
  'self:reconnect': Command<'self:reconnect'>;
  /** Navigator: tell the room something (a banner on every attendee page and the projector). */
  'broadcast:send': Command<'broadcast:send'>;
  /** Navigator: take the banner down (it stays in the history). */
  'broadcast:clear': Command<'broadcast:clear'>;
  /** Navigator: the room's language; projectors follow it (unless their reader chose one) and exports default to it. */
  'room:set-language': Command<'room:set-language'>;
}

export interface ServerToClientEvents {
  'discussion:snapshot': (view: DiscussionView) => void;
  'clock:snapshot': (clock: ClockView) => void;
  /** Board and projector: where the room is against the plan; null until the clock starts. */
  'pace:snapshot': (pace: PaceView | null) => void;
  /** Navigator: the open requests, oldest first. Helper: the same without host keys. Projector: without messages either. */
  'help:snapshot': (queue: HelpQueueView) => void;
  /** Attendee: my raised hand, or null. */
  'hand:snapshot': (hand: HandView | null) => void;
  /** Full state, sent on every (re)connect before any delta. */
  'roster:snapshot': (snapshot: RosterSnapshot<NavigatorAttendeeView> | RosterSnapshot<PublicAttendeeView>) => void;
  'roster:attendee': (attendee: NavigatorAttendeeView | PublicAttendeeView) => void;
  /** Board and projector: the navigator removed this attendee. */
  'roster:removed': (attendeeId: string) => void;
  'self:snapshot': (self: SelfView) => void;
  /** Attendee: the navigator started the next run; this one is archived and the socket is closed right after. */
  'run:ended': () => void;
  /** Attendee or helper: this link no longer signs in (removed, a new personal link, a revoked helper link); the socket is closed right after. */
  'self:signed-out': (reason: SignedOutReason) => void;
  /** Board: who it is signed in as, sent with the snapshot. */
  'board:viewer': (viewer: BoardViewerView) => void;
  /** Board: attendees per step along the clock, against the plan (the retrospective's chart, live). */
  'room:snapshot': (room: RoomOverTimeView) => void;
  /** Every page: the navigator's banner and its history. */
  'broadcast:snapshot': (broadcast: BroadcastView) => void;
  /** Board and projector: the room's language as the navigator set it; null while never set (each screen keeps its own). */
  'room:language': (language: Locale | null) => void;
}
