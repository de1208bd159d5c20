import { Controller, Get, Header } from '@nestjs/common';
import { Roles } from '../auth/roles.decorator';
import { ExportsService } from './exports.service';

@Controller('api/export')
@Roles('navigator')
export class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  @Get('discussion.md')
  @Header('Content-Type', 'text/markdown; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="discussion.md"')
  discussionMarkdown(): Promise<string> {
    return this.exports.discussionMarkdown();
  }

  @Get('discussion.json')
  @Header('Content-Disposition', 'attachment; filename="discussion.json"')
  discussionJson(): Promise<object> {
    return this.exports.discussionJson();
  }

  @Get('progress.csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="progress.csv"')
  progressCsv(): Promise<string> {
    return this.exports.progressCsv();
  }

  @Get('timeline.json')
  @Header('Content-Disposition', 'attachment; filename="timeline.json"')
  timelineJson(): Promise<object> {
    return this.exports.timelineJson();
  }
}
