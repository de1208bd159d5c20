import { defineMessages } from '$server/contract/i18n/catalog';

/** The retro pages' texts. Keys start with `retro.`. */
export default defineMessages({}, {});
