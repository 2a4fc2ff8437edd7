// Connections, clouds and the service that ties credentials, tokens and Graph together.

// Tokens.
export { type AuthCloud, authorityUrl, graphScope } from './auth/authority.js';
export { certificateThumbprints } from './auth/certificate-credential.js';
export { type AccessTokenClaims, decodeAccessTokenClaims, describeAccessToken } from './auth/claims.js';
export { ClientCredentialProvider, type ClientCredentialProviderOptions } from './auth/client-credential-provider.js';
export {
  CLOUDS,
  type Cloud,
  type CloudEndpoints,
  type CloudName,
  cloudEndpoints,
  sandboxCloud,
} from './auth/clouds.js';
export { DelegatedRefreshTokenProvider, type RefreshTokenStore } from './auth/delegated-refresh-token-provider.js';
export { DeviceCodeFlow, type DeviceCodePrompt, type DeviceCodeResult } from './auth/device-code-flow.js';
export type { AuthorityExchange } from './auth/network-client.js';
export { memoryTokenCacheStore, type TokenCacheStore, tokenCachePlugin } from './auth/token-cache-plugin.js';
export { toTokenError } from './auth/token-errors.js';
export type { AccessToken, TokenProvider } from './auth/token-provider.js';
export { BACKOFF_LIMITS, backoffDelay } from './backoff.js';
// Permission catalogue.
export {
  type ConnectionMode,
  FEATURE_CATALOGUE,
  type FeatureEntry,
  GRAPH_PERMISSION_IDS,
  isSatisfied,
  MICROSOFT_GRAPH_APP_ID,
  type PermissionNeed,
  type PermissionType,
  permissionType,
  type RequiredPermission,
  requiredPermissions,
  requiredResourceAccess,
} from './catalogue/permissions.js';
export { Keyring, loadKeyring, type MasterKey } from './connections/keyring.js';
export {
  type AuthMode,
  type Connection,
  type ConnectionInput,
  FEATURES,
  type Feature,
  validateConnectionInput,
} from './connections/model.js';
export {
  type AddConnectionInput,
  type ConnectionCredential,
  type ConnectionDetails,
  ConnectionService,
  type ConnectionServiceOptions,
} from './connections/service.js';
export {
  type ForEachSecret,
  type ReencryptionReport,
  type RetirementReport,
  type RotationReport,
  secretContext,
  Vault,
} from './connections/vault.js';
export { type Diagnosis, TenantlinkError } from './errors.js';
// The feature registry.
export type { SyncDataset, SyncStream } from './features/dataset.js';
// Sync datasets (the engine, the scheduler and the change feed are exported below, under sync/ and store/).
export { type DirectoryDatasetOptions, directoryDataset } from './features/directory/dataset.js';
export {
  defineFeature,
  type FeatureDefinition,
  type GraphRouteRule,
  need,
  type Probe,
  type ProbeCall,
  type ProbeContext,
} from './features/feature.js';
export { allDatasets, FEATURE_REGISTRY, featureDefinition, permissionForRoute } from './features/index.js';
export type { BatchRequestItem, BatchResult } from './graph/batch.js';
export {
  type DeltaOptions,
  type DeltaPage,
  GraphClient,
  type GraphClientOptions,
  type GraphPage,
  type GraphResult,
  type PageOptions,
  type RequestOptions,
} from './graph/client.js';
export { directoryScopeKey, ResourceConcurrencyLimiter } from './graph/concurrency.js';
export { GRAPH_ERROR_RULES } from './graph/errors.js';
export type { PipelinePolicy } from './graph/pipeline.js';
export type { GetToken } from './graph/policies/bearer-token-policy.js';
export type { GraphLogger } from './graph/policies/log-policy.js';
export type { GraphMetrics } from './graph/policies/metrics-policy.js';
export { PostgresResourceBudget, type PostgresResourceBudgetOptions } from './graph/postgres-budget.js';
// Microsoft Graph.
export { GraphRequestMetrics } from './graph/request-metrics.js';
export { InProcessResourceBudget, type SharedResourceBudget } from './graph/resource-budget.js';
export { exponentialBackoffStrategy } from './graph/retry-strategies/exponential-backoff-strategy.js';
export { retryAfterStrategy } from './graph/retry-strategies/retry-after-strategy.js';
export type { RetryStrategy } from './graph/retry-strategies/retry-strategy.js';
// Store and jobs.
export { InProcessJobRunner, type InProcessJobRunnerOptions } from './jobs/in-process-runner.js';
export { PgBossJobRunner, type PgBossJobRunnerOptions } from './jobs/pg-boss-runner.js';
export type {
  EnqueuedJob,
  JobContext,
  JobEvent,
  JobHandler,
  JobOutcome,
  JobRunner,
} from './jobs/runner.js';
// Logging.
export {
  type CreateLoggerOptions,
  createLogger,
  defaultSecretRegistry,
  type Logger,
  type LogLevel,
  SecretRegistry,
  scrubSecrets,
} from './logging/index.js';
export {
  type ConnectionChanges,
  type ConnectionsRepository,
  connectionsRepository,
  type NewConnection,
  type StoredConnection,
} from './store/connections-repository.js';
export { openStore, type Store, type StoreDialect, type StoreOptions } from './store/database.js';
export { type JobRecord, type JobRunRecord, jobsRepository } from './store/jobs-repository.js';
export type { FeedEntry, RecordWrite } from './store/records-repository.js';
export type { Database, SecretKind, StoreHandle } from './store/schema.js';
export {
  type EncryptedValue,
  type SecretsRepository,
  type StoredSecret,
  secretsRepository,
} from './store/secrets-repository.js';
export type { CommittedEvent } from './sync/engine.js';
export type { SyncProgress } from './sync/progress.js';
export { SyncScheduler } from './sync/scheduler.js';
export { type SyncRunView, SyncService } from './sync/service.js';
// Outbound webhooks.
export {
  EVENTS_DELIVERY_JOB,
  FEED_DELIVERY_JOB,
  WebhookDispatcher,
  type WebhookDispatcherOptions,
} from './webhooks/dispatcher.js';
export {
  type WebhookCursorView,
  type WebhookEndpointInput,
  type WebhookEndpointStatus,
  WebhookEndpoints,
  type WebhookEndpointView,
} from './webhooks/endpoints.js';
export { RECORDS_CHANGED, type RecordsChangedPayload, type WebhookConnectionRef } from './webhooks/payload.js';
export type { WebhookRetryOptions } from './webhooks/retry-schedule.js';
export {
  SIGNATURE_HEADER,
  signWebhookBody,
  type VerifyWebhookSignatureOptions,
  verifyWebhookSignature,
} from './webhooks/signature.js';
