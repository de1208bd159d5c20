import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension, ApiSecurity } from '@nestjs/swagger';
import type { Role } from './principal';

export const ROLES_KEY = 'navigator:roles';
export const PUBLIC_KEY = 'navigator:public';

/** Who may call this route or socket event. Routes and events without it are refused. */
export const Roles = (...roles: Role[]) =>
  applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    // The OpenAPI document says the same: a bearer token or the role's cookie.
    ApiSecurity('bearer'),
    ...roles.map((role) => ApiSecurity(`${role}-cookie`)),
    ApiExtension('x-navigator-roles', roles),
  );
/** Reachable without credentials (join page, health, login links). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
