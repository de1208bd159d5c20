import { Body, Controller, Get, HttpCode, HttpException, HttpStatus, NotFoundException, Param, Post, Put, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { COOKIE_OPTIONS } from '../auth/auth.controller';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { ROLE_COOKIES, type Principal } from '../auth/principal';
import { Public, Roles } from '../auth/roles.decorator';
import type { JoinInfo, TimelineEntryView, NavigatorAttendeeView, PublicAttendeeView, RosterSnapshot, SelfView } from '../board/board.events';
import { RateLimiter } from '../common/rate-limiter';
import { AttendeesService } from './attendees.service';

@Controller('api')
export class AttendeesController {
  // Generous: a whole conference room can share one NAT address; this only stops floods.
  private readonly registrations = new RateLimiter(200, 2);

  constructor(private readonly attendees: AttendeesService) {}

  @Public()
  @Get('join/:code')
  join(@Param('code') code: string): JoinInfo {
    this.requireJoinCode(code);
    return { ...this.attendees.workshopSummary(), defaultSshUser: this.attendees.defaultSshUser() };
  }

  @Public()
  @Post('join/:code')
  @HttpCode(201)
  async register(
    @Param('code') code: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ attendee: SelfView; personalPath: string }> {
    this.requireJoinCode(code);
    const wait = this.registrations.take(req.ip ?? 'unknown');
    if (wait > 0) throw new HttpException(`Too many registrations from your address; try again in ${wait} s.`, HttpStatus.TOO_MANY_REQUESTS);
    const { attendee, token, personalPath } = await this.attendees.register(body);
    res.cookie(ROLE_COOKIES.attendee, token, COOKIE_OPTIONS);
    return { attendee, personalPath };
  }

  @Roles('attendee')
  @Get('me')
  me(@CurrentPrincipal() principal: Principal): Promise<SelfView> {
    return this.attendees.self(attendeeIdOf(principal));
  }

  @Roles('attendee')
  @Get('me/workshop')
  myWorkshop(): JoinInfo {
    return { ...this.attendees.workshopSummary(), defaultSshUser: this.attendees.defaultSshUser() };
  }

  @Roles('attendee')
  @Put('me/vm')
  updateVm(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<SelfView> {
    return this.attendees.updateVm(attendeeIdOf(principal), body);
  }

  @Roles('navigator')
  @Get('attendees')
  roster(): Promise<RosterSnapshot<NavigatorAttendeeView>> {
    return this.attendees.navigatorRoster();
  }

  /** The drawer's history: every status change of one attendee's checks and VM, oldest first. */
  @Roles('navigator')
  @Get('attendees/:id/timeline')
  timeline(@Param('id') id: string): Promise<TimelineEntryView[]> {
    return this.attendees.timeline(id);
  }

  @Roles('navigator', 'projector')
  @Get('projector/roster')
  projectorRoster(): Promise<RosterSnapshot<PublicAttendeeView>> {
    return this.attendees.projectorRoster();
  }

  private requireJoinCode(code: string): void {
    if (!this.attendees.isJoinCode(code)) throw new NotFoundException('This join code is not valid; check the link the navigator shared.');
  }
}

function attendeeIdOf(principal: Principal): string {
  if (principal.role !== 'attendee') throw new Error('route guarded for attendees only');
  return principal.attendeeId;
}
