/** What every sanitizer and scrubber writes in place of a value it will not log. */
export const REDACTED = 'REDACTED';
