import type { IncomingHttpHeaders } from 'node:http';
import type { Request } from 'express';

/**
 * The base of links people open or paste elsewhere (an attendee's laptop, a VM's curl): NAVIGATOR_PUBLIC_URL when
 * set, else the address this request was sent to.
 */
export function baseUrlOf(publicUrl: string | null, request: Request): string {
  return publicUrl ?? `${request.protocol}://${request.get('host') ?? 'localhost'}`;
}

/** The same for a socket.io connection, from its handshake. */
export function socketBaseUrlOf(publicUrl: string | null, handshake: { secure: boolean; headers: IncomingHttpHeaders }): string {
  return publicUrl ?? `${handshake.secure ? 'https' : 'http'}://${handshake.headers.host ?? 'localhost'}`;
}
