export type Role = 'navigator' | 'helper' | 'projector' | 'attendee';

export type Principal =
  { role: 'navigator' } | { role: 'helper'; helperId: string; name: string } | { role: 'projector' } | { role: 'attendee'; attendeeId: string };

/** One cookie per role, so a navigator can open an attendee's personal link without losing the board. */
export const ROLE_COOKIES: Record<Role, string> = {
  navigator: 'navigator_navigator',
  helper: 'navigator_helper',
  projector: 'navigator_projector',
  attendee: 'navigator_attendee',
};
