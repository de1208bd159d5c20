import { Controller, Get, Header, Inject, Param, Req, Res, StreamableFile } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { Public } from '../auth/roles.decorator';
import { baseUrlOf } from '../common/base-url';
import { APP_CONFIG, type AppConfig } from '../config/app.config';
import type { KitIndexView } from '../contract/views';
import { KitService } from './kit.service';

/**
 * The workshop's kit for attendees' VMs, which fetch it with curl: public by design (it holds nothing secret), and
 * not rate limited (a room behind one NAT address downloads it all at once).
 */
@Public()
@SkipThrottle()
@Controller('kit')
export class KitController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly kit: KitService,
  ) {}

  /** Every artefact of the lock file: pinned or not, fetched or not. */
  @Get()
  index(@Req() req: Request): Promise<KitIndexView> {
    return this.kit.index(baseUrlOf(this.config.publicUrl, req));
  }

  /** The kit's directories under `<workshop id>-kit/`, with KIT_MIRROR set to this address. */
  @Get('kit.tar.gz')
  @Header('Cache-Control', 'no-cache')
  archive(@Req() req: Request): StreamableFile {
    const { fileName, bytes } = this.kit.archive(baseUrlOf(this.config.publicUrl, req));
    return new StreamableFile(bytes, { type: 'application/gzip', length: bytes.length, disposition: `attachment; filename="${fileName}"` });
  }

  /** A pinned artefact `navigator kit fetch` put here, with its sha256 (X-Kit-Sha256, and as Repr-Digest). */
  @Get('artefacts/:name')
  async artefact(@Param('name') name: string, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const artefact = await this.kit.artefact(name);
    res.setHeader('X-Kit-Sha256', artefact.sha256);
    res.setHeader('Repr-Digest', `sha-256=:${Buffer.from(artefact.sha256, 'hex').toString('base64')}:`);
    return new StreamableFile(artefact.stream, { type: 'application/octet-stream', length: artefact.size, disposition: `attachment; filename="${name}"` });
  }
}
