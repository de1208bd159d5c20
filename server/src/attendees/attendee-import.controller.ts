import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { z } from 'zod';
import { ZodBody } from '../api-docs/zod-openapi';
import { Roles } from '../auth/roles.decorator';
import { ZodPipe } from '../common/zod.pipe';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import type { ImportResultView } from '../contract/imports';
import { AttendeeImportService } from './attendee-import.service';

export const importBodySchema = z.strictObject({
  csv: z
    .string({ message: 'send the CSV text as "csv"' })
    .min(1, 'the CSV is empty')
    .max(60_000, 'the CSV is larger than 60 000 characters; import it in parts')
    .describe('Rows of name, host, port, user[, email]; an optional header names the columns (any order); comma, semicolon or tab separated'),
});

@Controller('api/attendees')
export class AttendeeImportController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly imports: AttendeeImportService,
  ) {}

  /** Pre-provisioned VMs: every row becomes an attendee with a personal link, or nothing is imported. */
  @Roles('navigator')
  @Post('import')
  @HttpCode(200)
  @ZodBody(importBodySchema, 'The CSV of pre-provisioned VMs')
  @ApiOkResponse({ description: 'Every row imported: the attendees with their personal links (shown once) and QR codes' })
  @ApiBadRequestResponse({ description: 'Nothing imported: `problems` lists each by line and column' })
  importCsv(@Body(new ZodPipe(importBodySchema)) body: z.infer<typeof importBodySchema>, @Req() req: Request): Promise<ImportResultView> {
    return this.imports.importCsv(body.csv, this.config.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`);
  }
}
