import { GraphError } from '../errors.js';

/**
 * Exchange's answers for calendar requests. Each says where its text comes from: observed in a public response,
 * or chosen by the sandbox where no source was found (listed as unconfirmed in the report).
 */

/** Observed (microsoft-graph-docs#57, microsoft-graph-docs-contrib#4342): calendarView(/delta) without its window. */
export const missingWindow = () =>
  new GraphError(
    400,
    'ErrorInvalidParameter',
    'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
  );

/** Observed (msgraph-sdk-php#1575) for an empty value; used for any unparsable query value. */
export const invalidParameter = (name: string, value: string) =>
  new GraphError(400, 'ErrorInvalidParameter', `The value '${value}' of parameter '${name}' is invalid.`);

/** Observed (microsoft-graph-docs#7919, #19286): an event whose end precedes its start, or other bad values. */
export const badRequestValidation = () =>
  new GraphError(400, 'ErrorPropertyValidationFailure', 'At least one property failed validation.');

/** Seen in Outlook responses for bodies of the wrong JSON shape. */
export const unreadableBody = () => new GraphError(400, 'UnableToDeserializePostBody', 'were unable to deserialize ');

export const unknownProperty = (name: string) =>
  new GraphError(
    400,
    'RequestBodyRead',
    `The property '${name}' does not exist on type 'Microsoft.OutlookServices.Event'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
  );

export const malformedId = () => new GraphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');

/** Observed (a connector's live log quoted in public code): `$top` on calendarView/delta. */
export const deltaTop = () =>
  new GraphError(
    400,
    'ErrorInvalidUrlQuery',
    "The '$top' parameter is not supported with change tracking over the 'CalendarView' resource as page size cannot be guaranteed. Express page size preferences using the Prefer: odata.maxpagesize= header instead.",
  );

/** Observed (quoted in public code comments): other query options on calendarView/delta. */
export const deltaQueryOptions = () =>
  new GraphError(
    400,
    'ErrorInvalidUrlQuery',
    "The following parameters are not supported with change tracking over the 'CalendarView' resource: '$orderby, $filter, $select, $expand, $search'.",
  );

/** Observed (microsoft-graph-docs#6599) for a delta token Exchange cannot read. */
export const invalidDeltaToken = (value: string) =>
  new GraphError(400, 'InvalidDeltaToken', `The value '${value}' of parameter '$deltaToken' is invalid.`);

/** Exchange's code for filters it cannot run (text chosen). */
export const invalidFilter = () =>
  new GraphError(400, 'ErrorInvalidUrlQueryFilter', 'The query filter contains one or more invalid nodes.');

/** Observed (microsoft-graph-docs-contrib#5895). */
export const tooManySchedules = (count: number) =>
  new GraphError(
    400,
    'ErrorMailboxDataArrayTooBig',
    `There are too many target users in the EmailAddress array. The allowed size = 100; the actual size = ${count}.`,
  );

/** Observed (microsoft-graph-docs PR #19703). */
export const intervalTooBig = (days: number) =>
  new GraphError(
    400,
    'ErrorTimeIntervalTooBig',
    `The requested time duration specified for FreeBusyViewOptions.TimeWindow is too long. The allowed limit = 62 days; the actual limit = ${days} days.`,
  );

/** EWS response codes, with texts chosen by the sandbox. */
export const invalidTimeInterval = () =>
  new GraphError(400, 'ErrorInvalidTimeInterval', 'The start time must be earlier than the end time.');

export const invalidMergedInterval = () =>
  new GraphError(
    400,
    'ErrorInvalidMergedFreeBusyInterval',
    'The availabilityViewInterval must be between 5 and 1440 minutes.',
  );

export const missingBodyParameter = (name: string) =>
  new GraphError(400, 'ErrorInvalidParameter', `The value of parameter '${name}' is missing or invalid.`);

/** Meeting responses and cancellation by the wrong party (texts chosen). */
export const organizerCannotRespond = () =>
  new GraphError(
    400,
    'ErrorInvalidRequest',
    "Your request can't be completed. You can't respond to a meeting you organized.",
  );

export const notOrganizer = () =>
  new GraphError(
    400,
    'ErrorInvalidRequest',
    "Your request can't be completed. Only the meeting organizer can cancel the meeting.",
  );
