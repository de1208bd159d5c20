/**
 * What the retrospective pages are sent: a run's figures, computed on the server from its stored history.
 * Minutes are attendee-minutes unless said otherwise; times are ISO strings; `minute` on a chart's axis
 * counts from the run's zero (the workshop clock's start, or the first registration when the clock never ran).
 */

/** A run in the list: when, which workshop version, how many came. */
export interface RunSummaryView {
  id: string;
  number: number;
  workshopId: string;
  title: string;
  startedAt: string;
  /** Null for the active run. */
  archivedAt: string | null;
  active: boolean;
  /** The workshop version it was given with: the n-th distinct definition of this workshop, and its hash. */
  version: { revision: number; hash: string };
  attendance: { registered: number; connected: number };
  /** A read-only share link exists. Only its hash is stored: its path is known right after it is made. */
  shared: boolean;
  sharePath: string | null;
}

export interface HistogramView {
  /** Bin i holds durations in [i × binMinutes, (i + 1) × binMinutes); the last bin also holds everything above. */
  binMinutes: number;
  counts: number[];
}

export interface StepStatView {
  id: string;
  title: string;
  plannedMinutes: number;
  /** Attendees who were ever on this step (or had it done). */
  reached: number;
  finished: number;
  /** Done before the attendee got to it (out of order): finished, but with no time of their own on it. */
  doneAhead: number;
  /** On it at the end, connected: they ran out of time or gave up. */
  gaveUp: number;
  /** On it at the end with their VM unreachable: they left (or their network did). */
  left: number;
  neverReached: number;
  /** Minutes from arriving at the step to first done, for those who finished it in order. */
  medianMinutes: number | null;
  p90Minutes: number | null;
  /** How many took longer than planned; and the attendee-minutes over plan, unfinished ones counted to the end. */
  overPlan: number;
  overPlanMinutes: number;
  histogram: HistogramView;
  hint: string;
}

export interface ReasonView {
  reason: string;
  attendees: number;
  minutes: number;
}

export interface StuckCheckView {
  checkId: string;
  title: string;
  stepId: string;
  stepTitle: string;
  /** Attendee-minutes it did not pass while its step was the attendee's current one and the VM was reachable. */
  minutes: number;
  attendees: number;
  /** Most common first. */
  reasons: ReasonView[];
  /** What the attendee was shown: the check's failure text and the step's hint. */
  failure: string | null;
  hint: string;
}

export interface UnreachableAttendeeView {
  attendeeId: string;
  name: string;
  minutes: number;
  /** Minutes by reason (`refused`, `timeout`, …). */
  byReason: Record<string, number>;
  /** Separate times the VM went unreachable. */
  episodes: number;
  neverConnected: boolean;
  /** Unreachable at the end, after having been connected: when it went. */
  leftAt: string | null;
}

export interface HelpStepView {
  /** A step id, or `before` (not connected yet) / `finished`. */
  stepId: string;
  title: string;
  raised: number;
  /** Answered with *On my way*. */
  acknowledged: number;
  medianWaitMinutes: number | null;
  p90WaitMinutes: number | null;
  maxWaitMinutes: number | null;
  /** Lowered, resolved or still open without anyone saying *On my way*. */
  unanswered: number;
}

export interface HelpRequestRetroView {
  name: string;
  stepId: string;
  raisedAt: string;
  waitMinutes: number | null;
  message: string;
  /** Who said *On my way*: a helper's name, or `Navigator`; null while nobody did. */
  acknowledgedBy: string | null;
}

/** One person who answered hands: how many, and how long those attendees had waited. */
export interface HelpAnswererView {
  name: string;
  answered: number;
  medianWaitMinutes: number | null;
}

/** Attendees per state along the clock; `counts[k][i]` is the number in state k at `minutes[i]`. */
export interface RoomOverTimeView {
  zeroAt: string;
  /** True when the zero is the workshop clock's start: the planned schedule is then drawn against it. */
  clockStarted: boolean;
  minutes: number[];
  /** One series per step (attendees whose current step it is), then `finished`, then `not connected yet`. */
  series: { key: string; label: string; counts: number[] }[];
  /** Unreachable attendees at each minute (they are also counted on their step). */
  unreachable: number[];
  /** The plan: each segment's slot in minutes from the zero, in agenda order; a talk's title starts "Talk — ". */
  planned: { stepId: string; title: string; startMinute: number; endMinute: number }[];
  /** Steps done by the median attendee at each minute, and what the plan says by then (talks and optional steps not counted). */
  medianDone: number[];
  plannedDone: number[];
}

export interface GroupRetroView {
  name: string;
  position: number;
  members: string[];
  presented: boolean;
  skipped: boolean;
  /** Wall-clock minutes between starting and ending its presentation; null if it never presented. */
  presentationMinutes: number | null;
  notes: { author: string; text: string }[];
}

export interface DiscussionRetroView {
  prompt: string;
  plannedMinutes: number;
  /** What the discussion timer ran for; null when it never started. */
  usedMinutes: number | null;
  presentationPlannedMinutes: number;
  groups: GroupRetroView[];
  /** Groups that never presented (neither presented nor skipped). */
  notPresented: number;
}

/** A step ranked by how much it cost the room: where to look first before the next run. */
export interface FixFirstView {
  stepId: string;
  title: string;
  overPlanMinutes: number;
  stuckMinutes: number;
  gaveUpOrLeft: number;
  hands: number;
  /** The check that failed longest on this step, when one did. */
  worstCheck: string | null;
}

export interface RetrospectiveView {
  run: RunSummaryView;
  generatedAt: string;
  /** The window the figures cover: from the zero to the archive time (or now for the active run). */
  window: { zeroAt: string; endAt: string; minutes: number; clockStarted: boolean };
  attendance: { registered: number; connected: number; finishedAll: number; neverConnected: number; left: number };
  fixFirst: FixFirstView[];
  steps: StepStatView[];
  stuckChecks: StuckCheckView[];
  unreachable: { totalMinutes: number; byReason: Record<string, number>; attendees: UnreachableAttendeeView[] };
  help: { raised: number; perStep: HelpStepView[]; requests: HelpRequestRetroView[]; answerers: HelpAnswererView[] };
  room: RoomOverTimeView;
  discussion: DiscussionRetroView;
}

/** Two runs of the same workshop side by side. */
export interface RunComparisonView {
  a: RunSummaryView;
  b: RunSummaryView;
  steps: {
    id: string;
    title: string;
    plannedMinutes: { a: number | null; b: number | null };
    medianMinutes: { a: number | null; b: number | null };
    p90Minutes: { a: number | null; b: number | null };
    /** Share of those who reached the step that finished it. */
    finishedShare: { a: number | null; b: number | null };
  }[];
  /** Per check: stuck minutes per attendee who reached its step, in each run; most changed first. */
  checks: {
    checkId: string;
    title: string;
    stepTitle: string;
    minutesPerAttendee: { a: number | null; b: number | null };
    /** `new` / `gone`: its step exists in one run only; `no data`: nobody reached its step in one of them. */
    verdict: 'better' | 'worse' | 'same' | 'new' | 'gone' | 'no data';
  }[];
}
