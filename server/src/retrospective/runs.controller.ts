import { BadRequestException, ConflictException, Controller, Delete, Get, Header, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import { Roles } from '../auth/roles.decorator';
import { ZodPipe } from '../common/zod.pipe';
import { coded } from '../contract/i18n/coded';
import type { RetrospectiveView, RunComparisonView, RunSummaryView } from '../contract/retrospective';
import { WorkshopFileError } from '../workshops/workshop.loader';
import { WorkshopChangedError, WorkshopsService } from '../workshops/workshops.service';
import { RetrospectiveService } from './retrospective.service';

const runId = new ZodPipe(z.string().regex(/^[a-z0-9][a-z0-9-]{0,100}$/, 'not a run id'), coded('request.no_run'));

/**
 * The navigator's runs: the list, a new run, each run's retrospective and its exports, two runs compared, share links.
 * Exports are written in `?lang=` (the page's language), else the run's room language, else English.
 */
@Roles('navigator')
@Controller('api/runs')
export class RunsController {
  constructor(
    private readonly retrospectives: RetrospectiveService,
    private readonly workshops: WorkshopsService,
  ) {}

  @Get()
  runs(): Promise<RunSummaryView[]> {
    return this.retrospectives.runs();
  }

  /** Archives the active run and starts the next with the workshop file as it is now. */
  @Post()
  @HttpCode(201)
  async start(): Promise<RunSummaryView[]> {
    try {
      await this.workshops.startNewRun();
    } catch (error) {
      if (error instanceof WorkshopFileError) throw new BadRequestException({ message: error.message, problems: error.problems });
      if (error instanceof WorkshopChangedError) throw new ConflictException(error.message);
      throw error;
    }
    return this.retrospectives.runs();
  }

  @Get('compare')
  compare(@Query('a', runId) a: string, @Query('b', runId) b: string): Promise<RunComparisonView> {
    return this.retrospectives.compare(a, b);
  }

  @Get('compare.md')
  @Header('Content-Type', 'text/markdown; charset=utf-8')
  async compareMarkdown(
    @Query('a', runId) a: string,
    @Query('b', runId) b: string,
    @Query('lang') lang: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    res.attachment(`compare-${a}-${b}.md`);
    return this.retrospectives.comparisonMarkdown(a, b, lang);
  }

  @Get(':id/retrospective')
  retrospective(@Param('id', runId) id: string): Promise<RetrospectiveView> {
    return this.retrospectives.retrospective(id);
  }

  @Get(':id/retrospective.md')
  @Header('Content-Type', 'text/markdown; charset=utf-8')
  async markdown(@Param('id', runId) id: string, @Query('lang') lang: unknown, @Res({ passthrough: true }) res: Response): Promise<string> {
    res.attachment(`retrospective-${id}.md`);
    return this.retrospectives.markdown(id, lang);
  }

  @Get(':id/retrospective.html')
  @Header('Content-Type', 'text/html; charset=utf-8')
  async html(@Param('id', runId) id: string, @Query('lang') lang: unknown, @Res({ passthrough: true }) res: Response): Promise<string> {
    res.attachment(`retrospective-${id}.html`);
    return this.retrospectives.html(id, lang);
  }

  @Get(':id/data.json')
  async data(@Param('id', runId) id: string, @Res({ passthrough: true }) res: Response): Promise<object> {
    res.attachment(`run-${id}.json`);
    return this.retrospectives.rawJson(id);
  }

  @Post(':id/share')
  @HttpCode(201)
  share(@Param('id', runId) id: string): Promise<{ sharePath: string }> {
    return this.retrospectives.share(id);
  }

  @Delete(':id/share')
  @HttpCode(204)
  unshare(@Param('id', runId) id: string): Promise<void> {
    return this.retrospectives.unshare(id);
  }
}
