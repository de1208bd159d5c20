import { defineMessages } from '$server/contract/i18n/catalog';

/** The board pages' texts. Keys start with `board.`. */
export default defineMessages({}, {});
