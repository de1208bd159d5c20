import { Injectable, NotFoundException } from '@nestjs/common';
import { hashToken, newToken } from '../auth/token';
import type { RetrospectiveView, RunComparisonView, RunSummaryView } from '../contract/retrospective';
import { RoomLanguageService } from '../workshops/room-language.service';
import { WorkshopsService } from '../workshops/workshops.service';
import { compareRuns } from './compare';
import { retrospectiveHtml } from './html-export';
import { comparisonMarkdown, retrospectiveMarkdown } from './markdown';
import { ReportBundleFiles } from './report-bundle';
import { RunArchiveStore } from './run-archive.store';
import type { RunRecord } from './run-record';
import { retrospective } from './statistics';

export const SHARE_PATH = '/shared/retro/';

/**
 * Runs and their retrospectives: the list, a run's figures (computed from its stored history; an archived
 * run never changes, so its figures are computed once), two runs compared, the exports and the share link.
 */
@Injectable()
export class RetrospectiveService {
  private readonly archived = new Map<string, RetrospectiveView>();

  constructor(
    private readonly store: RunArchiveStore,
    private readonly workshops: WorkshopsService,
    private readonly bundle: ReportBundleFiles,
    private readonly languages: RoomLanguageService,
  ) {}

  async runs(): Promise<RunSummaryView[]> {
    return this.withSharePaths(await this.store.summaries(this.workshops.workshop.id));
  }

  async retrospective(runId: string, now = Date.now()): Promise<RetrospectiveView> {
    const summary = await this.summary(runId);
    const cached = this.archived.get(runId);
    if (cached) return { ...cached, run: summary };
    const view = retrospective(await this.store.record(summary, now), now);
    if (!summary.active) this.archived.set(runId, view);
    return view;
  }

  async compare(aId: string, bId: string): Promise<RunComparisonView> {
    const [a, b] = await Promise.all([this.retrospective(aId), this.retrospective(bId)]);
    return compareRuns(a, b);
  }

  /** The exports are written in `lang` (the page's reader's language), else the run's language, else English. */
  async markdown(runId: string, lang?: unknown): Promise<string> {
    const [view, locale] = await Promise.all([this.retrospective(runId), this.languages.forExport(lang, runId)]);
    return retrospectiveMarkdown(view, locale);
  }

  async comparisonMarkdown(aId: string, bId: string, lang?: unknown): Promise<string> {
    const [view, locale] = await Promise.all([this.compare(aId, bId), this.languages.forExport(lang, bId)]);
    return comparisonMarkdown(view, locale);
  }

  async html(runId: string, lang?: unknown): Promise<string> {
    const bundle = this.bundle.read();
    const [view, locale] = await Promise.all([this.retrospective(runId), this.languages.forExport(lang, runId)]);
    return retrospectiveHtml(view, bundle, locale);
  }

  /** The raw history behind the figures, times as ISO strings: for another tool, or another look. */
  async rawJson(runId: string, now = Date.now()): Promise<object> {
    const record = await this.store.record(await this.summary(runId), now);
    return rawRecord(record);
  }

  /** A new share link (the previous one stops working): the token is shown once, only its hash is kept. */
  async share(runId: string): Promise<{ sharePath: string }> {
    await this.requireRun(runId);
    const token = newToken();
    await this.store.setShareHash(runId, hashToken(token));
    this.sharePaths.set(runId, SHARE_PATH + token);
    return { sharePath: SHARE_PATH + token };
  }

  async unshare(runId: string): Promise<void> {
    await this.requireRun(runId);
    await this.store.setShareHash(runId, null);
    this.sharePaths.delete(runId);
  }

  /** The run a share link opens, or null. */
  async runIdForShareToken(token: string): Promise<string | null> {
    return this.store.runIdByShareHash(hashToken(token));
  }

  private async summary(runId: string): Promise<RunSummaryView> {
    const run = await this.requireRun(runId);
    const [summary] = await this.store.summaries(run.workshopId, [runId]);
    return this.withSharePaths([summary])[0];
  }

  private async requireRun(runId: string): Promise<{ id: string; workshopId: string }> {
    const run = await this.store.runOf(runId);
    if (!run || run.workshopId !== this.workshops.workshop.id) throw new NotFoundException(`no run ${runId} of this workshop`);
    return run;
  }

  /** Share paths made since start (the token itself is never stored, so older links show as "shared"). */
  private readonly sharePaths = new Map<string, string>();

  private withSharePaths(summaries: RunSummaryView[]): RunSummaryView[] {
    return summaries.map((s) => ({ ...s, sharePath: this.sharePaths.get(s.id) ?? null }));
  }
}

function rawRecord(record: RunRecord): object {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const names = new Map(record.attendees.map((a) => [a.id, a.name]));
  return {
    format: 'navigator-run/1',
    run: record.run,
    steps: record.steps,
    discussion: record.discussion,
    clockStartedAt: iso(record.clockStartedAt),
    endAt: iso(record.endAt),
    attendees: record.attendees.map((a) => ({ id: a.id, name: a.name, registeredAt: iso(a.registeredAt) })),
    transitions: record.transitions.map((t) => ({
      attendee: names.get(t.attendeeId) ?? t.attendeeId,
      attendeeId: t.attendeeId,
      check: t.checkId,
      to: t.to,
      reason: t.reason,
      at: iso(t.at),
    })),
    helpRequests: record.help.map((h) => ({
      attendeeId: h.attendeeId,
      message: h.message,
      raisedAt: iso(h.raisedAt),
      acknowledgedAt: iso(h.acknowledgedAt),
      acknowledgedBy: h.acknowledgedBy,
      resolvedAt: iso(h.resolvedAt),
    })),
    groups: record.groups.map((g) => ({ ...g, presentationStartedAt: iso(g.presentationStartedAt), presentationEndedAt: iso(g.presentationEndedAt) })),
    discussionTimer: record.discussionTimer && { ...record.discussionTimer, startedAt: iso(record.discussionTimer.startedAt) },
  };
}
