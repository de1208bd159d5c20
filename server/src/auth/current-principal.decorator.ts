import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Socket } from 'socket.io';
import type { Principal } from './principal';
import type { AuthenticatedRequest } from './roles.guard';

function principalOf(context: ExecutionContext): Principal | undefined {
  if (context.getType() === 'ws') return (context.switchToWs().getClient<Socket>().data as { principal?: Principal }).principal;
  return context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
}

/** Who is calling, on an HTTP route or a socket event guarded by @Roles. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = principalOf(context);
  if (!principal) throw new Error('CurrentPrincipal used on a handler without @Roles');
  return principal;
});

/** The calling attendee's id, on a handler guarded by @Roles('attendee'). */
export const CurrentAttendeeId = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const principal = principalOf(context);
  if (principal?.role !== 'attendee') throw new Error('CurrentAttendeeId used on a handler not limited to attendees');
  return principal.attendeeId;
});
