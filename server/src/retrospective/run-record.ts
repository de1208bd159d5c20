import type { RunSummaryView } from '../contract/retrospective';
import type { AgendaItem } from '../workshops/workshop.schema';

/** An agenda segment as a retrospective names it: its title in the workshop's language. */
export type AgendaRecord = Omit<AgendaItem, 'title'> & { title: string };

/**
 * Everything a retrospective is computed from: one run's stored history as plain data (times in ms since
 * the epoch). The statistics are pure functions of this; the store builds it from the database.
 */
export interface RunRecord {
  run: RunSummaryView;
  steps: PlannedStepRecord[];
  /** Every segment in order, talks included (format version 2 has talks); absent, the steps are the agenda. */
  agenda?: AgendaRecord[];
  discussion: { prompt: string; minutes: number; presentationMinutes: number };
  /** When the workshop clock started; null when it never did. */
  clockStartedAt: number | null;
  /** The end of the window: when the run was archived, or now for the active run. */
  endAt: number;
  attendees: AttendeeRecord[];
  /** Check transitions (checkId set) and connection transitions (checkId null: `connected` / `unreachable` + reason), in stored order. */
  transitions: TransitionRecord[];
  help: HelpRecord[];
  groups: GroupRecord[];
  discussionTimer: { durationMs: number; elapsedMs: number; startedAt: number | null } | null;
}

export interface PlannedStepRecord {
  id: string;
  title: string;
  minutes: number;
  hint: string;
  checks: { id: string; title: string; failure: string | null; sticky?: boolean }[];
  /** Format version 2: never the current step, not counted. */
  optional?: boolean;
}

export interface AttendeeRecord {
  id: string;
  name: string;
  registeredAt: number;
}

export interface TransitionRecord {
  attendeeId: string;
  checkId: string | null;
  to: string;
  reason: string | null;
  at: number;
}

export interface HelpRecord {
  attendeeId: string;
  message: string;
  raisedAt: number;
  acknowledgedAt: number | null;
  /** Who said *On my way*: a helper's name, or `Navigator`. */
  acknowledgedBy: string | null;
  resolvedAt: number | null;
}

export interface GroupRecord {
  name: string;
  position: number;
  presented: boolean;
  skipped: boolean;
  memberIds: string[];
  notes: { author: string; text: string }[];
  presentationStartedAt: number | null;
  presentationEndedAt: number | null;
}
