import { defineMessages } from './catalog';

/**
 * What the server tells people, as codes with parameters: why a VM is unreachable, why a check did
 * not pass, why a form or a request was refused. Pages render them in the reader's language; the
 * server renders English for its logs. Keys start with `reasons.`.
 */
export default defineMessages(
  {
    'reasons.unreachable_server': 'Navigator cannot be reached. Check your network and try again.',
  },
  {
    'reasons.unreachable_server': 'Navigator に接続できません。ネットワークを確認して、もう一度お試しください。',
  },
);
