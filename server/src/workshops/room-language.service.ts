import { Injectable } from '@nestjs/common';
import { DomainEventBus } from '../common/domain-events';
import { DEFAULT_LOCALE, isLocale, type Locale } from '../contract/i18n/locales';
import { PrismaService } from '../prisma/prisma.service';
import { WorkshopsService } from './workshops.service';

/**
 * The room's language: the navigator picks it on the board, projectors follow it (a reader who chose a
 * language on that screen keeps theirs), and exports are written in it unless the page asks for another.
 * Kept on the run, so a restart keeps it and an archived run's exports default to the language it was given in;
 * a new run starts in the language the last one ended with.
 */
@Injectable()
export class RoomLanguageService {
  /** The active run's language, read once (a promise, so pages asking at once share one read). */
  private current: Promise<Locale | null> | null = null;

  constructor(
    private readonly prisma: PrismaService,
    private readonly workshops: WorkshopsService,
    private readonly events: DomainEventBus,
  ) {
    // Set before any other listener of the event asks (the board resends every page's snapshot).
    events.on('run.started', ({ previousRunId, runId }) => {
      const previous = this.current ?? this.ofRun(previousRunId);
      this.current = previous.then(async (language) => {
        if (language) await this.prisma.run.update({ where: { id: runId }, data: { language } });
        return language;
      });
    });
  }

  /** The active run's language, or null when the navigator never set one. */
  language(): Promise<Locale | null> {
    if (this.current) return this.current;
    const read = this.ofRun(this.workshops.workshop.runId);
    // A failed read is tried again next time.
    read.catch(() => {
      if (this.current === read) this.current = null;
    });
    this.current = read;
    return read;
  }

  async set(language: Locale): Promise<void> {
    await this.prisma.run.update({ where: { id: this.workshops.workshop.runId }, data: { language } });
    this.current = Promise.resolve(language);
    this.events.emit('room-language.changed', { language });
  }

  /** A run's language, or null when none was set (or the run does not exist). */
  async ofRun(runId: string): Promise<Locale | null> {
    const run = await this.prisma.run.findUnique({ where: { id: runId }, select: { language: true } });
    return isLocale(run?.language) ? run.language : null;
  }

  /**
   * The language of a downloadable file: the one the page asked for (its reader's), else the run's, else English.
   * Anything that is not a language Navigator speaks is ignored, not refused: a file in English is still a file.
   */
  async forExport(requested: unknown, runId = this.workshops.workshop.runId): Promise<Locale> {
    if (isLocale(requested)) return requested;
    return (runId === this.workshops.workshop.runId ? await this.language() : await this.ofRun(runId)) ?? DEFAULT_LOCALE;
  }
}
