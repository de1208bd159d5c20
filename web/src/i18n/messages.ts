import reasons from '$server/contract/i18n/reasons';
import attendee from './messages/attendee';
import board from './messages/board';
import common from './messages/common';
import discussion from './messages/discussion';
import join from './messages/join';
import projector from './messages/projector';
import retro from './messages/retro';

/** Every catalog the web app renders from: one per area, keys prefixed with the area's name. */
export const catalogs = { common, attendee, join, board, projector, discussion, retro, reasons };

type KeysOf<C> = C extends { en: Record<infer K, string> } ? K : never;
export type MessageKey = { [A in keyof typeof catalogs]: KeysOf<(typeof catalogs)[A]> }[keyof typeof catalogs];

function merged(locale: 'en' | 'ja'): Record<MessageKey, string> {
  return Object.assign({}, ...Object.values(catalogs).map((catalog) => catalog[locale])) as Record<MessageKey, string>;
}

export const messages = { en: merged('en'), ja: merged('ja') };
