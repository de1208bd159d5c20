import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ZodBody } from '../api-docs/zod-openapi';
import { Roles } from '../auth/roles.decorator';
import { ZodPipe } from '../common/zod.pipe';
import { coded } from '../contract/i18n/coded';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import type { HelperView, NewHelperView } from '../contract/views';
import { newHelperSchema, type NewHelper } from './helper-name';
import { HelpersService } from './helpers.service';

/** The navigator's helpers: add one (their link is shown once), list them, revoke a link. */
@Roles('navigator')
@Controller('api/helpers')
export class HelpersController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly helpers: HelpersService,
  ) {}

  @Post()
  @HttpCode(201)
  @ZodBody(newHelperSchema, 'The helper; answers their link, shown this once')
  create(@Body(new ZodPipe(newHelperSchema, coded('form.fix_fields'))) body: NewHelper, @Req() req: Request): Promise<NewHelperView> {
    return this.helpers.create(body.name, this.config.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`);
  }

  /** Names and dates, revoked ones included; never a link. */
  @Get()
  list(): Promise<HelperView[]> {
    return this.helpers.list();
  }

  /** The helper's link stops working at once and their open boards are closed. */
  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string): Promise<void> {
    await this.helpers.revoke(id);
  }
}
