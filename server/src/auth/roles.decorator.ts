import { SetMetadata } from '@nestjs/common';
import type { Role } from './principal';

export const ROLES_KEY = 'navigator:roles';
export const PUBLIC_KEY = 'navigator:public';

/** Who may call this route or socket event. Routes and events without it are refused. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** Reachable without credentials (join page, health, login links). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
