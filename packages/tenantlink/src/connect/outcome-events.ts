import type { StoreHandle } from '../store/schema.js';
import { publishWebhookEvent, type WebhookEvent, type WebhookEventSignal } from '../webhooks/events.js';
import type { ConnectOutcome } from './outcome.js';

/** The lifecycle webhook event that tells the vendor's server how a connect flow ended. */
export function outcomeEvent(outcome: ConnectOutcome): WebhookEvent {
  const session = outcome.session ? { id: outcome.session.id, state: outcome.session.vendorState } : null;
  const integration = outcome.integration?.name ?? null;
  if (outcome.type === 'connected')
    return {
      type: 'connection.created',
      connection: { ...outcome.connection, integration },
      session,
      test: { result: outcome.test.result, warnings: [...outcome.test.warnings] },
    };
  return {
    type: 'connect.failed',
    integration,
    session,
    error: { code: outcome.error.code, message: outcome.error.message },
  };
}

/** Publishes each connect outcome as a webhook event and wakes this process's dispatcher. */
export function publishConnectOutcomes(store: StoreHandle, signal: WebhookEventSignal) {
  return async (outcome: ConnectOutcome): Promise<void> => {
    await publishWebhookEvent(store, outcomeEvent(outcome), signal);
    signal.published();
  };
}
