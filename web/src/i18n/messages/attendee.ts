import { defineMessages } from '$server/contract/i18n/catalog';

/** The attendee pages' texts. Keys start with `attendee.`. */
export default defineMessages({}, {});
