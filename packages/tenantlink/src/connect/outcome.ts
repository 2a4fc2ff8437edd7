import type { ConnectFlowError } from '../store/connect-flows-repository.js';
import type { ConnectTestSummary, StoredConnectSession } from '../store/connect-sessions-repository.js';
import type { Integration } from './integrations.js';

/**
 * How connecting a tenant ended, for whoever must hear it on the server (the lifecycle webhooks, logs): through a
 * connect link's session, or a device-code sign-in (no session). A connection is told once its first test settled.
 */
export type ConnectOutcome =
  | {
      type: 'connected';
      session: StoredConnectSession | null;
      integration: Integration | null;
      connection: { id: string; name: string; tenantId: string };
      test: ConnectTestSummary;
    }
  | {
      type: 'failed';
      session: StoredConnectSession | null;
      integration: Integration | null;
      error: ConnectFlowError;
    };
