import { Controller, Get, Header, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import QRCode from 'qrcode';
import { AuthService } from '../auth/auth.service';
import { Roles } from '../auth/roles.decorator';
import type { WorkshopLinks } from '../contract/views';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import { WorkshopsService } from './workshops.service';

@Controller('api/workshop')
export class WorkshopsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly workshops: WorkshopsService,
    private readonly auth: AuthService,
  ) {}

  @Roles('navigator')
  @Get('links')
  links(@Req() req: Request): WorkshopLinks {
    const base = this.baseUrl(req);
    return {
      joinUrl: `${base}/join/${this.workshops.workshop.joinCode}`,
      joinCode: this.workshops.workshop.joinCode,
      projectorUrl: `${base}/auth/projector?token=${this.auth.projectorToken}`,
    };
  }

  /** Rotates the join code; answers the new links. */
  @Roles('navigator')
  @Post('join-code')
  @HttpCode(200)
  async rotateJoinCode(@Req() req: Request): Promise<WorkshopLinks> {
    await this.workshops.rotateJoinCode();
    return this.links(req);
  }

  /** The join link as a QR code, for the projector. */
  @Roles('navigator', 'projector')
  @Get('join-qr.svg')
  @Header('Content-Type', 'image/svg+xml')
  @Header('Cache-Control', 'no-store')
  joinQr(@Req() req: Request): Promise<string> {
    return QRCode.toString(`${this.baseUrl(req)}/join/${this.workshops.workshop.joinCode}`, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  }

  @Roles('navigator', 'projector')
  @Get('join')
  join(@Req() req: Request): { joinUrl: string; joinCode: string } {
    return { joinUrl: `${this.baseUrl(req)}/join/${this.workshops.workshop.joinCode}`, joinCode: this.workshops.workshop.joinCode };
  }

  /** Links must work from attendees' laptops, so they use the address the navigator reached us at. */
  private baseUrl(req: Request): string {
    return this.config.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  }
}
