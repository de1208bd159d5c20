import { defineMessages } from './catalog';

/**
 * Texts the server writes into the room's data in the room's language (the navigator's choice): names it gives
 * that people may change afterwards, like a new group's. Keys start with `room.`.
 */
export default defineMessages(
  {
    'room.groupName': 'Group {number}',
  },
  {
    'room.groupName': 'グループ{number}',
  },
);
