// How every workflow refuses a request its rules do not allow: in the update's validator, so a
// refused request leaves nothing in history, and the caller hears every problem at once.
import { ApplicationFailure } from '@temporalio/workflow';

/** A refusal function for one kind of case: throws a non-retryable failure listing the problems. */
export function refusing(type: string): (problems: string[]) => void {
  return (problems) => {
    if (problems.length) throw ApplicationFailure.create({ type, message: problems.join('; '), details: problems, nonRetryable: true });
  };
}

/** A free-text field the rules require. */
export const required = (value: string | undefined, what: string): string[] => (value?.trim() ? [] : [`${what} must be recorded`]);
