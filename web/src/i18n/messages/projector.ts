import { defineMessages } from '$server/contract/i18n/catalog';

/** The projector pages' texts. Keys start with `projector.`. */
export default defineMessages({}, {});
