import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import type { Request } from 'express';
import { CurrentAttendeeId } from '../auth/current-principal.decorator';
import { Roles } from '../auth/roles.decorator';
import { baseUrlOf } from '../common/base-url';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import type { TunnelView } from '../contract/views';
import { TunnelCommandsService } from './tunnel-commands.service';

@Controller('api')
export class TunnelController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly commands: TunnelCommandsService,
  ) {}

  /** The attendee's own tunnel commands (they carry the attendee's tunnel key: never anyone else's page). */
  @Roles('attendee')
  @Get('me/tunnel')
  // It carries a private key: no cache keeps a copy.
  @Header('Cache-Control', 'no-store')
  tunnel(@CurrentAttendeeId() attendeeId: string, @Req() req: Request): Promise<TunnelView> {
    return this.commands.commandsFor(attendeeId, baseUrlOf(this.config.publicUrl, req));
  }
}
