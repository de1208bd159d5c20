import { Controller, Get, Header, NotFoundException, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import { Public } from '../auth/roles.decorator';
import { ZodPipe } from '../common/zod.pipe';
import { coded } from '../contract/i18n/coded';
import type { RetrospectiveView } from '../contract/retrospective';
import { RetrospectiveService } from './retrospective.service';

const token = new ZodPipe(z.string().regex(/^[\w-]{1,200}$/, 'not a share link'), coded('request.link_malformed'));

/** A retrospective's read-only share link: whoever has it sees that run's retrospective and its exports, nothing else. */
@Public()
@Controller('api/shared')
export class SharedRetrospectiveController {
  constructor(private readonly retrospectives: RetrospectiveService) {}

  @Get(':token/retrospective')
  async retrospective(@Param('token', token) value: string): Promise<RetrospectiveView> {
    return this.retrospectives.retrospective(await this.runOf(value));
  }

  @Get(':token/retrospective.html')
  @Header('Content-Type', 'text/html; charset=utf-8')
  async html(@Param('token', token) value: string, @Query('lang') lang: unknown, @Res({ passthrough: true }) res: Response): Promise<string> {
    const runId = await this.runOf(value);
    res.attachment(`retrospective-${runId}.html`);
    return this.retrospectives.html(runId, lang);
  }

  @Get(':token/retrospective.md')
  @Header('Content-Type', 'text/markdown; charset=utf-8')
  async markdown(@Param('token', token) value: string, @Query('lang') lang: unknown, @Res({ passthrough: true }) res: Response): Promise<string> {
    const runId = await this.runOf(value);
    res.attachment(`retrospective-${runId}.md`);
    return this.retrospectives.markdown(runId, lang);
  }

  private async runOf(value: string): Promise<string> {
    const runId = await this.retrospectives.runIdForShareToken(value);
    if (!runId) throw new NotFoundException('This share link is not valid (any more); ask the navigator for a new one.');
    return runId;
  }
}
