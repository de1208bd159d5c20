import { Controller, Get, Header, Query } from '@nestjs/common';
import { Roles } from '../auth/roles.decorator';
import { RoomLanguageService } from '../workshops/room-language.service';
import { ExportsService } from './exports.service';

/**
 * The navigator's downloads of the active run. Files meant for reading are written in `?lang=` (the page passes
 * its reader's language), else the room's language, else English; JSON files are data and have no language.
 */
@Controller('api/export')
@Roles('navigator')
export class ExportsController {
  constructor(
    private readonly exports: ExportsService,
    private readonly languages: RoomLanguageService,
  ) {}

  @Get('discussion.md')
  @Header('Content-Type', 'text/markdown; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="discussion.md"')
  async discussionMarkdown(@Query('lang') lang: unknown): Promise<string> {
    return this.exports.discussionMarkdown(await this.languages.forExport(lang));
  }

  @Get('discussion.json')
  @Header('Content-Disposition', 'attachment; filename="discussion.json"')
  discussionJson(): Promise<object> {
    return this.exports.discussionJson();
  }

  @Get('progress.csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="progress.csv"')
  async progressCsv(@Query('lang') lang: unknown): Promise<string> {
    return this.exports.progressCsv(await this.languages.forExport(lang));
  }

  @Get('timeline.json')
  @Header('Content-Disposition', 'attachment; filename="timeline.json"')
  timelineJson(): Promise<object> {
    return this.exports.timelineJson();
  }
}
