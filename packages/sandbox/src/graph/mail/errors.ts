import { GraphError } from '../errors.js';

/**
 * Exchange's own errors for the mail endpoints. Sources: OBS = seen in real responses quoted in issues,
 * DOC = Microsoft documentation, GUESS = not found in a source (listed in the sandbox notes).
 */
export const mailErrors = {
  /** OBS: an ID that is not an Exchange ID at all. */
  malformedId: () => new GraphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.'),
  /** OBS (RequestBroker--ParseUri) for $select/$orderby of an unknown property. */
  unknownProperty: (name: string, type = 'Message') =>
    new GraphError(
      400,
      'RequestBroker--ParseUri',
      `Could not find a property named '${name}' on type 'Microsoft.OutlookServices.${type}'.`,
    ),
  /** DOC (user-list-messages.md): $orderby properties must lead the $filter. */
  inefficientFilter: () =>
    new GraphError(400, 'InefficientFilter', 'The restriction or sort order is too complex for this operation.'),
  /** GUESS: a filter on a property or with an operator Outlook cannot evaluate. */
  invalidFilter: () =>
    new GraphError(400, 'ErrorInvalidUrlQueryFilter', 'The query filter contains one or more invalid nodes.'),
  /** DOC (outlook-send-mail-from-other-user.md). */
  sendAsDenied: () =>
    new GraphError(
      403,
      'ErrorSendAsDenied',
      'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account. Cannot submit message.',
    ),
  /** OBS (php-connect-sample#13, msgraph-sdk-dotnet#1891). */
  noRecipients: () =>
    new GraphError(
      400,
      'ErrorInvalidRecipients',
      "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
    ),
  /** GUESS wording (the code is OBS) for a recipient address that cannot be resolved. */
  unresolvedRecipient: (address: string) =>
    new GraphError(
      400,
      'ErrorInvalidRecipients',
      `At least one recipient isn't valid., Recipient '${address}' isn't resolved. All recipients must be resolved before a message can be submitted.`,
    ),
  /** OBS (motze92/office365-mail#39) for an attachment over the limit of POST …/attachments. */
  messageSizeExceeded: () =>
    new GraphError(
      400,
      'ErrorMessageSizeExceeded',
      'The message exceeds the maximum supported size., Cannot save changes made to an item to store.',
    ),
  /** DOC (user-sendmail.md). */
  invalidMime: () =>
    new GraphError(400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.'),
  /** OBS (microsoft-graph-docs#2350): a delta token whose sync state is gone; 410 Gone. */
  syncStateNotFound: (generation: number, highest: number) =>
    new GraphError(
      410,
      'SyncStateNotFound',
      `The sync state generation is not found; generation=${generation};[highest=${highest}][${highest}][${Math.max(0, highest - 2)}][${Math.max(0, highest - 1)}].`,
    ),
  /** GUESS (EWS ErrorInvalidSyncStateData): a tampered delta token, or one for another folder or mailbox. */
  invalidSyncState: () =>
    new GraphError(400, 'ErrorInvalidSyncStateData', 'The sync state data is corrupt or otherwise invalid.'),
  /** OData's deserializer text for an unknown property in a request body. */
  unknownBodyProperty: (name: string, type: string) =>
    new GraphError(
      400,
      'BadRequest',
      `The property '${name}' does not exist on type 'microsoft.graph.${type}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
    ),
  /** GUESS wording for a value of the wrong shape in a request body. */
  invalidValue: (name: string) => new GraphError(400, 'BadRequest', `Invalid value specified for property '${name}'.`),
  /** OData's text for an enum literal it does not know. */
  invalidEnum: (value: unknown, type: string) =>
    new GraphError(
      400,
      'BadRequest',
      `Cannot convert the literal '${String(value)}' to the expected type 'microsoft.graph.${type}'.`,
    ),
  /** GUESS (EWS ErrorInvalidPropertyUpdateSentMessage): subject, body or recipients of a message that is no draft. */
  sentMessageUpdate: () =>
    new GraphError(
      400,
      'ErrorInvalidPropertyUpdateSentMessage',
      'Update operation is not supported for this property on a sent message.',
    ),
  /** OBS (microsoft-graph-docs#2894) deleting from the Recoverable Items folder; the status is a GUESS. */
  cannotDelete: () => new GraphError(400, 'ErrorCannotDeleteObject', 'Object cannot be deleted.'),
  /** GUESS: a required action parameter that is missing. */
  missingParameter: (name: string) =>
    new GraphError(400, 'ErrorInvalidParameter', `The value of the parameter '${name}' is empty.`),
};
