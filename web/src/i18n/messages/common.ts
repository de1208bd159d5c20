import { defineMessages } from '$server/contract/i18n/catalog';

/** Words every page uses. Keys start with `common.`. */
export default defineMessages(
  {
    'common.language': 'Language',
    'common.duration.seconds': '{seconds} s',
    'common.duration.minutes': '{minutes} min',
    'common.duration.hoursMinutes': '{hours} h {minutes} min',
  },
  {
    'common.language': '言語',
    'common.duration.seconds': '{seconds}秒',
    'common.duration.minutes': '{minutes}分',
    'common.duration.hoursMinutes': '{hours}時間{minutes}分',
  },
);
