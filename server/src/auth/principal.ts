export type Role = 'navigator' | 'projector' | 'attendee';

export type Principal = { role: 'navigator' } | { role: 'projector' } | { role: 'attendee'; attendeeId: string };

/** One cookie per role, so a navigator can open an attendee's personal link without losing the board. */
export const ROLE_COOKIES: Record<Role, string> = {
  navigator: 'navigator_navigator',
  projector: 'navigator_projector',
  attendee: 'navigator_attendee',
};
