import { defineMessages } from '$server/contract/i18n/catalog';

/** The join pages' texts. Keys start with `join.`. */
export default defineMessages({}, {});
