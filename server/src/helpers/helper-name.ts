import { z } from 'zod';
import { formIssue, formMessage } from '../common/form-messages';
import { humanTextIssue, isReservedName, normalizeHumanText } from '../common/human-text';

export const HELPER_NAME_MAX_CHARS = 60;

/**
 * A helper's name is what the room reads beside a raised hand ("Sam is on it"): the rule for every name
 * people type, and never one that passes for the navigator's.
 */
export const helperName = z
  .string({ message: formMessage('form.helper_name_required') })
  .trim()
  .min(1, formMessage('form.helper_name_required'))
  .max(HELPER_NAME_MAX_CHARS, formMessage('form.helper_name_too_long', { max: HELPER_NAME_MAX_CHARS }))
  .superRefine((name, context) => {
    const problem = humanTextIssue(name);
    if (problem) context.addIssue({ code: 'custom', ...formIssue('form.helper_name_problem', { problem }) });
    else if (isReservedName(name)) context.addIssue({ code: 'custom', ...formIssue('form.helper_name_reserved') });
  })
  .transform(normalizeHumanText);

export const newHelperSchema = z.strictObject({
  name: helperName.describe("The helper's name, as the help queue shows it (“Sam is on it”)"),
});

export type NewHelper = z.infer<typeof newHelperSchema>;
