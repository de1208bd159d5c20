import { defineMessages } from '$server/contract/i18n/catalog';

/** The discussion pages' texts. Keys start with `discussion.`. */
export default defineMessages({}, {});
