import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Inject, Param, Post, Put, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentAttendeeId } from '../auth/current-principal.decorator';
import { Public, Roles } from '../auth/roles.decorator';
import { SessionCookies } from '../auth/session-cookies';
import { ZodBody } from '../api-docs/zod-openapi';
import { baseUrlOf } from '../common/base-url';
import { refused } from '../common/coded-http';
import { RateLimiter } from '../common/rate-limiter';
import { ZodPipe } from '../common/zod.pipe';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { coded } from '../contract/i18n/coded';
import type { JoinInfo, NavigatorAttendeeView, PersonalLinkView, PublicAttendeeView, RosterSnapshot, SelfView, TimelineEntryView } from '../contract/views';
import { AttendeesService } from './attendees.service';
import { registrationSchema, type Registration } from './registration.dto';

const registrationBody = new ZodPipe(registrationSchema, coded('form.fix_fields'));

@Controller('api')
export class AttendeesController {
  // Generous: a whole conference room can share one NAT address; this only stops floods.
  private readonly registrations = new RateLimiter(200, 2);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly attendees: AttendeesService,
    private readonly cookies: SessionCookies,
  ) {}

  @Public()
  @Get('join/:code')
  join(@Param('code') code: string, @Req() req: Request): JoinInfo {
    this.requireJoinCode(code);
    return this.attendees.joinInfo(baseUrlOf(this.config.publicUrl, req));
  }

  @Public()
  @Post('join/:code')
  @HttpCode(201)
  @ZodBody(registrationSchema, 'The attendee and their VM; sets the attendee cookie and returns the personal link')
  async register(
    @Param('code') code: string,
    @Body(registrationBody) body: Registration,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ attendee: SelfView; personalPath: string }> {
    this.requireJoinCode(code);
    const wait = this.registrations.take(req.ip ?? 'unknown');
    if (wait > 0) throw refused(HttpStatus.TOO_MANY_REQUESTS, 'limit.registrations', { seconds: wait });
    const { attendee, token, personalPath } = await this.attendees.register(body);
    this.cookies.set(req, res, 'attendee', token);
    return { attendee, personalPath };
  }

  @Roles('attendee')
  @Get('me')
  me(@CurrentAttendeeId() attendeeId: string): Promise<SelfView> {
    return this.attendees.self(attendeeId);
  }

  @Roles('attendee')
  @Get('me/workshop')
  myWorkshop(@CurrentAttendeeId() attendeeId: string, @Req() req: Request): JoinInfo {
    return this.attendees.joinInfo(baseUrlOf(this.config.publicUrl, req), attendeeId);
  }

  @Roles('attendee')
  @Put('me/vm')
  @ZodBody(registrationSchema, "The attendee's VM, corrected")
  updateVm(@CurrentAttendeeId() attendeeId: string, @Body(registrationBody) body: Registration, @Req() req: Request): Promise<SelfView> {
    return this.attendees.updateVm(attendeeId, body, req.ip ?? 'unknown');
  }

  /** Helpers read the roster too: the board's view, which has no secret. */
  @Roles('navigator', 'helper')
  @Get('attendees')
  roster(@Req() req: Request): Promise<RosterSnapshot<NavigatorAttendeeView>> {
    return this.attendees.navigatorRoster(baseUrlOf(this.config.publicUrl, req));
  }

  /** Removes the attendee: their VM is let go and their link ends; notes they wrote stay under their name. */
  @Roles('navigator')
  @Delete('attendees/:id')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    await this.attendees.remove(id);
  }

  /** A new personal link for the attendee; the old one stops working at once. */
  @Roles('navigator')
  @Post('attendees/:id/link')
  @HttpCode(200)
  reissueLink(@Param('id') id: string, @Req() req: Request): Promise<PersonalLinkView> {
    return this.attendees.reissueLink(id, baseUrlOf(this.config.publicUrl, req));
  }

  /** The drawer's history: every status change of one attendee's checks and VM, oldest first. */
  @Roles('navigator', 'helper')
  @Get('attendees/:id/timeline')
  timeline(@Param('id') id: string): Promise<TimelineEntryView[]> {
    return this.attendees.timeline(id);
  }

  @Roles('navigator', 'projector')
  @Get('projector/roster')
  projectorRoster(@Req() req: Request): Promise<RosterSnapshot<PublicAttendeeView>> {
    return this.attendees.projectorRoster(baseUrlOf(this.config.publicUrl, req));
  }

  private requireJoinCode(code: string): void {
    if (!this.attendees.isJoinCode(code)) throw refused(HttpStatus.NOT_FOUND, 'request.join_code');
  }
}
