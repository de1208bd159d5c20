import { z } from 'zod';
import { humanTextProblem, isReservedName, normalizeHumanText } from '../common/human-text';

export const HELPER_NAME_MAX_CHARS = 60;

/**
 * A helper's name is what the room reads beside a raised hand ("Sam is on it"): the rule for every name
 * people type, and never one that passes for the navigator's.
 */
export const helperName = z
  .string({ message: 'give the helper a name' })
  .trim()
  .min(1, 'give the helper a name')
  .max(HELPER_NAME_MAX_CHARS, `keep the name to ${HELPER_NAME_MAX_CHARS} characters`)
  .superRefine((name, context) => {
    const problem = humanTextProblem(name);
    if (problem) context.addIssue({ code: 'custom', message: `the name ${problem}` });
    else if (isReservedName(name)) context.addIssue({ code: 'custom', message: 'that name is reserved for the navigator; use the helper’s own' });
  })
  .transform(normalizeHumanText);

export const newHelperSchema = z.strictObject({
  name: helperName.describe("The helper's name, as the help queue shows it (“Sam is on it”)"),
});

export type NewHelper = z.infer<typeof newHelperSchema>;
