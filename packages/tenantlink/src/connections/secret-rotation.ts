import { connectFlowsRepository } from '../store/connect-flows-repository.js';
import type { Store } from '../store/database.js';
import { graphSubscriptionsRepository } from '../store/graph-subscriptions-repository.js';
import { integrationsRepository } from '../store/integrations-repository.js';
import { secretsRepository } from '../store/secrets-repository.js';
import { webhookEndpointsRepository } from '../store/webhook-endpoints-repository.js';
import {
  connectFlowContext,
  integrationSecretContext,
  subscriptionClientStateContext,
  type Vault,
  webhookPreviousSecretContext,
  webhookSecretContext,
  webhookUrlContext,
} from './vault.js';

type Visit = Parameters<Parameters<Vault['rotate']>[0]>[0];
type Ciphertext = { ciphertext: string; keyId: string };

/** A kind of secret kept beside its own rows, each bound to its row by its vault context. */
interface SecretColumn {
  kind: string;
  rows(): Promise<Array<{ id: string } & Ciphertext>>;
  context(id: string): string;
  replace(id: string, expected: string, next: Ciphertext): Promise<boolean>;
}

/**
 * Visits every secret the store holds, for a vault rotation or re-encryption: the connections' secrets, the
 * integrations' client secrets, the secrets of connect flows under way, the webhook endpoints' signing secrets and
 * sealed URLs, and the client states of change-notification subscriptions. Each is written back with a compare-and-swap, so one replaced meanwhile is left as it is.
 */
export async function forEachStoredSecret(store: Store, visit: Visit): Promise<void> {
  const secrets = secretsRepository(store);
  for await (const batch of secrets.batches()) {
    for (const row of batch) {
      await secrets.replaceSecret(row.connectionId, row.kind, async (current) =>
        // Visit what is stored now: a secret replaced since the batch was read is re-encrypted as it is now.
        visit({
          connectionId: current.connectionId,
          kind: current.kind,
          ciphertext: current.ciphertext,
          keyId: current.keyId,
        }),
      );
    }
  }
  for (const column of secretColumns(store))
    for (const row of await column.rows()) {
      const next = await visit({
        connectionId: row.id,
        kind: column.kind,
        ciphertext: row.ciphertext,
        keyId: row.keyId,
        context: column.context(row.id),
      });
      if (next) await column.replace(row.id, row.ciphertext, next);
    }
}

function secretColumns(store: Store): SecretColumn[] {
  const integrations = integrationsRepository(store);
  const flows = connectFlowsRepository(store);
  const webhooks = webhookEndpointsRepository(store);
  const subscriptions = graphSubscriptionsRepository(store);
  return [
    {
      kind: 'integration_secret',
      rows: () => integrations.secrets(),
      context: integrationSecretContext,
      replace: (...args) => integrations.replaceSecret(...args),
    },
    {
      kind: 'connect_flow_payload',
      rows: async () => (await flows.payloads()).map(({ idHash, ...r }) => ({ id: idHash, ...r })),
      context: connectFlowContext,
      replace: (...args) => flows.replacePayload(...args),
    },
    {
      kind: 'webhook_secret',
      rows: () => webhooks.secrets(),
      context: webhookSecretContext,
      replace: (...args) => webhooks.replaceSecret(...args),
    },
    {
      kind: 'webhook_url',
      rows: () => webhooks.urlSecrets(),
      context: webhookUrlContext,
      replace: (...args) => webhooks.replaceUrlSecret(...args),
    },
    {
      kind: 'webhook_previous_secret',
      rows: () => webhooks.previousSecrets(),
      context: webhookPreviousSecretContext,
      replace: (...args) => webhooks.replacePreviousSecret(...args),
    },
    {
      kind: 'subscription_client_state',
      rows: () => subscriptions.secrets(),
      context: subscriptionClientStateContext,
      replace: (...args) => subscriptions.replaceSecret(...args),
    },
  ];
}
