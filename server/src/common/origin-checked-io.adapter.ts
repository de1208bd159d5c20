import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import type { OriginPolicy } from './origin-policy';

/**
 * socket.io with the origin check before anything else: a handshake from a page the policy refuses
 * is answered 403 by engine.io, so no event (snapshot, command) ever reaches it.
 */
export class OriginCheckedIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly origins: OriginPolicy,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    return super.createIOServer(port, {
      ...options,
      allowRequest: (req: IncomingMessage, callback: (error: string | null | undefined, success: boolean) => void) =>
        callback(null, this.origins.allows(req.headers.origin, req.headers.host)),
    }) as Server;
  }
}
